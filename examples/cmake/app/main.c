#include <greet.h>
#include <stdio.h>

int main(void) {
  printf("%s (greet %s)\n", greet_message("wharf"), greet_version());
  return 0;
}
