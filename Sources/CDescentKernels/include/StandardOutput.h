#ifndef DESCENT_STANDARD_OUTPUT_H
#define DESCENT_STANDARD_OUTPUT_H

/// Flushes C's stdout and returns 0 when everything written to it so far reached the file
/// descriptor, or the errno of the failure (a full disk, `> /dev/full`). In C because Swift 6
/// does not let code name the global `stdout` safely.
int descent_finish_standard_output(void);

#endif
