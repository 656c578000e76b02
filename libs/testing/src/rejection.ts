// For specs: the typed error something threw or rejected with, failing the test when it did not.
// Typed structurally (message + code) so that @aviary/contracts' own specs can use it without a cycle.
export interface CodedError extends Error {
  code: string;
}

export function rejection(run: () => unknown): CodedError;
export function rejection(promise: Promise<unknown>): Promise<CodedError>;
export function rejection(subject: (() => unknown) | Promise<unknown>): CodedError | Promise<CodedError> {
  if (typeof subject !== 'function') {
    return subject.then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => coded(e),
    );
  }
  try {
    subject();
  } catch (e) {
    return coded(e);
  }
  throw new Error('expected a rejection');
}

function coded(e: unknown): CodedError {
  expect(e).toBeInstanceOf(Error);
  expect(e).toHaveProperty('code');
  return e as CodedError;
}
