#include "StandardOutput.h"

#include <errno.h>
#include <stdio.h>

int descent_finish_standard_output(void) {
  errno = 0;
  if (fflush(stdout) != 0 || ferror(stdout)) return errno != 0 ? errno : EIO;
  return 0;
}

void descent_write_standard_output(const char *text) { fputs(text, stdout); }

void descent_write_standard_error(const char *text) { fputs(text, stderr); }
