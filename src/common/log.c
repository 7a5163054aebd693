#include "log.h"
#include "fsutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum log_level log_level = LOG_LVL_INFO;

int log_set_level(const char *name)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	if (!strcmp(name, "fatal")) {
		log_level = LOG_LVL_ERROR;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, names[i])) {
			log_level = (enum log_level)i;
			return 0;
		}
	return -1;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	char ts[40], line[4096];
	va_list ap;

	if (lvl > log_level)
		return;
	format_time_ns(now_ns(), ts);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "time=\"%s\" level=%s msg=\"%s\"\n", ts, names[lvl], line);
}
