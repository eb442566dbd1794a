/**
 * One error hierarchy for the whole service. Use cases throw these; the single Express error
 * handler turns them into problem+json (API) responses. Messages are Vietnamese because a
 * person at a counter may read them.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldProblem[], message = 'Dữ liệu gửi lên không hợp lệ') {
    super(400, 'validation', message, fields);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Cần mã truy cập (Authorization: Bearer …) hợp lệ') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Mã truy cập này không có quyền với đơn vị được yêu cầu') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not-found', message);
  }
}

/** The value, or a NotFoundError with `message` when there is none. */
export function found<T>(value: T | null | undefined, message: string): T {
  if (value === null || value === undefined) throw new NotFoundError(message);
  return value;
}

/** The request is well-formed but conflicts with the current state (duplicate code, impossible transition). */
export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** A business rule refuses the request (e.g. too many re-appointments). */
export class RuleError extends AppError {
  constructor(code: string, message: string, fields: FieldProblem[] = []) {
    super(422, code, message, fields);
  }
}

/** What the request asks for is not ready yet (a letter's PDF still to be made): come back later. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, readonly retryAfterSeconds: number, cause?: unknown) {
    super(503, code, message);
    this.cause = cause;
  }
}

/** Too many attempts of something guarded (sign-in); the message says when to try again. */
export class TooManyAttemptsError extends AppError {
  constructor(message: string) {
    super(429, 'too-many-attempts', message);
  }
}
