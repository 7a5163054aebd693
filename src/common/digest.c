#include "digest.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>

struct sha256_ctx {
	EVP_MD_CTX *md;
};

sha256_ctx *sha256_new(void)
{
	sha256_ctx *c = malloc(sizeof(*c));
	c->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
	return c;
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
	EVP_DigestUpdate(c->md, data, len);
}

void sha256_final_hex(sha256_ctx *c, char hex[65])
{
	unsigned char raw[32];
	unsigned int n = 0;
	static const char digits[] = "0123456789abcdef";

	EVP_DigestFinal_ex(c->md, raw, &n);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[64] = 0;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void sha256_hex(const void *data, size_t len, char hex[65])
{
	sha256_ctx *c = sha256_new();
	sha256_update(c, data, len);
	sha256_final_hex(c, hex);
}

int sha256_file_hex(const char *path, char hex[65], eng_error_t *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	sha256_ctx *c;
	ssize_t n;

	if (fd < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "opening %s: %m", path);
	c = sha256_new();
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(c, buf, (size_t)n);
	sha256_final_hex(c, hex);
	if (n < 0)
		return eng_error_make(err, errno, ERR_INTERNAL, "reading %s: %m", path);
	return 0;
}

int digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7))
		return 0;
	s += 7;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == 0;
}

char *base64_encode(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}
