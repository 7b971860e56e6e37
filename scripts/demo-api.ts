/** A small REST client for the demo and the checks: bearer key, JSON, problem+json turned into readable errors. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const problem = body as { title?: string; detail?: string; errors?: { field: string; message: string }[] } | undefined;
    const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    super(
      `${method} ${path} → ${status} ${problem?.title ?? ''}${problem?.detail ? ` — ${problem.detail}` : ''}${fields ? ` (${fields})` : ''}`,
    );
  }
}

export class Api {
  constructor(
    readonly base: string,
    readonly key: string,
  ) {}

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.base + path, {
      method,
      headers: { Authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // a non-JSON answer is reported as text
    }
    if (!response.ok) throw new ApiError(method, path, response.status, parsed);
    return parsed as T;
  }
}
