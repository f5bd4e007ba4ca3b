#ifndef DESCENT_STANDARD_OUTPUT_H
#define DESCENT_STANDARD_OUTPUT_H

/// Flushes C's stdout and returns 0 when everything written to it so far reached the file
/// descriptor, or the errno of the failure (a full disk, `> /dev/full`). In C because Swift 6
/// does not let code name the global `stdout` safely.
int descent_finish_standard_output(void);

/// Writes `text` to C's stdout (buffered, as Swift's `print`); a failure sets the stream's error
/// flag, which descent_finish_standard_output reports.
void descent_write_standard_output(const char *text);

/// Writes `text` to C's stderr; a failure is ignored (there is no stream left to report it on).
void descent_write_standard_error(const char *text);

#endif
