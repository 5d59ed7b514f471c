#include "greet.h"

#include <stdio.h>

const char* greet_message(const char* name) {
  static char buffer[256];
  snprintf(buffer, sizeof buffer, "Hello, %s!", name);
  return buffer;
}

const char* greet_version(void) { return GREET_VERSION; }
