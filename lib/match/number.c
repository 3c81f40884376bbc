#include "match/number.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Checks the decimal grammar; sets *integral when there is no fraction/exponent. */
static int decimal_shape(const char *s, size_t len, int *integral)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && isdigit((unsigned char)s[i]))
        i++, digits++;
    *integral = 1;
    if (i < len && s[i] == '.') {
        *integral = 0;
        i++;
        while (i < len && isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (!digits)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        *integral = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = 0;
        while (i < len && isdigit((unsigned char)s[i]))
            i++, e++;
        if (!e)
            return 0;
    }
    return i == len;
}

int sg_parse_decimal(const char *s, size_t len, sg_number *out)
{
    int integral;
    if (len == 0 || !decimal_shape(s, len, &integral))
        return 0;
    /* Copy with the integer part's leading zeros dropped, so "000...04688" of any
     * length still parses into the fixed buffer. */
    char buf[128];
    size_t i = 0, o = 0;
    if (s[i] == '+' || s[i] == '-')
        buf[o++] = s[i++];
    while (i + 1 < len && s[i] == '0' && isdigit((unsigned char)s[i + 1]))
        i++;
    if (len - i >= sizeof buf - o)
        return 0; /* more than ~125 significant characters: not a number we compare */
    memcpy(buf + o, s + i, len - i);
    buf[o + len - i] = '\0';
    if (integral) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == 0) {
            *out = sg_number_int(v);
            return 1;
        }
    }
    *out = sg_number_real(strtod(buf, NULL));
    return 1;
}

int sg_number_cmp(const sg_number *a, const sg_number *b)
{
    if (a->is_int && b->is_int)
        return (a->i > b->i) - (a->i < b->i);
    return (a->d > b->d) - (a->d < b->d);
}
