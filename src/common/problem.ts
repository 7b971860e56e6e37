import { HttpException, HttpStatus } from '@nestjs/common';

/** One bad field of a request: `path` is the field's location, e.g. `options.autoStockSync` or `lines[2].quantity`. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details, the body of every error response. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  requestId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_BASE = 'https://mallbridge.dev/problems/';

/**
 * An error that renders as a specific problem type. Throw it from services for business rule
 * failures (an illegal transition, a conflict) so the client gets a stable `type` to switch on.
 */
export class ProblemException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly problemType: string,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super({ detail }, status);
  }

  get detail(): string | undefined {
    return (this.getResponse() as { detail?: string }).detail;
  }
}

export class ValidationProblem extends ProblemException {
  constructor(
    readonly fieldErrors: FieldError[],
    detail = 'The request has invalid fields.',
  ) {
    super(HttpStatus.BAD_REQUEST, 'validation', 'Invalid request', detail, { errors: fieldErrors });
  }
}

export class NotFoundProblem extends ProblemException {
  constructor(what: string) {
    super(HttpStatus.NOT_FOUND, 'not-found', 'Not found', `${what} was not found.`);
  }
}

export class ConflictProblem extends ProblemException {
  constructor(problemType: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(HttpStatus.CONFLICT, problemType, 'Conflict', detail, extensions);
  }
}
