/* greet: the library of the wharf CMake example. */
#ifndef GREET_H
#define GREET_H

#ifdef __cplusplus
extern "C" {
#endif

/* A greeting for `name`, in a static buffer (not thread-safe). */
const char* greet_message(const char* name);
/* The library's version, e.g. "1.0.0". */
const char* greet_version(void);

#ifdef __cplusplus
}
#endif

#endif
