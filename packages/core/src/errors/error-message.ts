/** The message of anything thrown: an Error's `message`, else its string form (for logs, reports and error details). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
