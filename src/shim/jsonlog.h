#pragma once
/* docker's json-file log driver, byte for byte: one {"log","stream","time"} object per line,
 * lines over 16 KiB split like docker's copier, max-size / max-file rotation. */
#include <stddef.h>
#include <stdint.h>

enum { JSONLOG_STDOUT = 1, JSONLOG_STDERR = 2 };

/* path NULL disables logging. max_size 0: unlimited. -1 on error (errno set). */
int jsonlog_open(const char *path, int64_t max_size, int max_file);
/* Feeds container output of one stream; complete lines are written at once. */
void jsonlog_data(int stream, const char *buf, size_t len);
/* The stream ended: a partial last line is written without a newline. */
void jsonlog_flush(int stream);
