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

export const FLIGHT = { date: '2001/01/14 17:05', distance: 1009, origin: 'SEA', destination: 'SFO' };
