/**
 * Errors of the document renderer. "Templates fail loudly" (design.md): a missing or blank value
 * stops the issue with a message that names the field and the template, instead of printing a
 * letter with a hole in it.
 */
import { AppError } from '../errors';

/** The data handed to a template lacks a value it needs (or has it blank). */
export class TemplateDataError extends AppError {
  constructor(
    /** The field's path as the template names it, e.g. "delay.reason". */
    readonly field: string,
    /** The template being rendered, e.g. "letters/tt03-2025". */
    readonly template: string,
    message: string,
  ) {
    super(422, 'document-data-missing', message, [{ field, message }]);
  }
}

/** A template itself is wrong or missing (a syntax error in an agency's override, an unknown partial). */
export class TemplateError extends AppError {
  constructor(
    readonly template: string,
    message: string,
  ) {
    super(500, 'template-error', message);
  }
}
