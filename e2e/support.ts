// Small helpers shared by the e2e specs: JSON over fetch against the gateway.

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function getJson<T = any>(url: string): Promise<JsonResponse<T>> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export async function postJson<T = any>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** POSTs the chunks as a stream with no Content-Length (chunked), so a server only learns the size while reading. */
export async function postStream<T = any>(
  url: string,
  contentType: string,
  chunks: Uint8Array[],
): Promise<JsonResponse<T>> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export const FLIGHT = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
