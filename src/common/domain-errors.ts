/**
 * Errors of the business rules and of the sites' protocols, free of HTTP. Connectors, state machines and
 * services throw these; only the HTTP edge (ProblemFilter) turns them into problem+json, so the same code
 * serves a job worker, where no HTTP status means anything.
 */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A state machine refused a move: an order or a fulfillment order cannot go from `from` to `to`. */
export class IllegalTransitionError extends DomainError {
  constructor(
    /** what moved, as a sentence starts: "An order", "A fulfillment order" */
    readonly subject: string,
    readonly from: string,
    readonly to: string,
    readonly allowed: readonly string[],
  ) {
    super(`${subject} in status "${from}" cannot become "${to}".`);
  }
}

/** Input the operation cannot work with (a missing password for a key exchange, a callback without its code). */
export class InvalidInputError extends DomainError {
  constructor(
    message: string,
    /** the field at fault, when there is one */
    readonly field?: string,
  ) {
    super(message);
  }
}
