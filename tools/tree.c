/* tree.c: see tree.h. */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/json.h"

/* Hex wider than this goes on lines of its own. */
#define HEX_WIDTH 64

/* Where in the value we are: what an annotation needs to know. */
typedef struct where {
  long long kind;          /* innermost enclosing "kind" member, or -1 */
  const char *parent_key;  /* key of the enclosing object, or NULL */
} where;

static void print_member(const rl_tree *t, const char *key, const json_t *v,
                         int indent, where w);

static void pad(FILE *f, int indent) {
  for (int i = 0; i < indent; i++) fputs("  ", f);
}

static int is_hex(const char *s, size_t n) {
  if (n % 2) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  return 1;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int hexbyte(const char *s) {
  int hi = rl_hex_digit((unsigned char)s[0]);
  int lo = hi < 0 ? -1 : rl_hex_digit((unsigned char)s[1]);
  return lo < 0 ? -1 : hi << 4 | lo;
}

/* If hex s spells printable text, print it quoted. uint64 values are
 * decimal strings, which can look like hex: a string of at most 20 digits
 * (a uint64 has at most 20) counts as text only when it spells nothing but
 * letters, which a number does about once in 10^4 even at 20 digits. */
static void print_text_of_hex(FILE *f, const char *s, size_t n) {
  int maybe_number = n <= 20 && all_digits(s, n);
  if (n < 8 || n > 512) return;
  for (size_t i = 0; i < n; i += 2) {
    int b = hexbyte(s + i);
    if (b < 0x20 || b > 0x7e || b == '"') return;
    if (maybe_number && !((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))) return;
  }
  fputs("  \"", f);
  for (size_t i = 0; i < n; i += 2) fputc(hexbyte(s + i), f);
  fputc('"', f);
}

static void print_string(const rl_tree *t, const char *label, const json_t *v,
                         int indent) {
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  pad(t->out, indent);
  if (n > HEX_WIDTH && is_hex(s, n)) {
    fprintf(t->out, "%s: (%zu bytes)\n", label, n / 2);
    for (size_t i = 0; i < n; i += HEX_WIDTH) {
      pad(t->out, indent + 1);
      fprintf(t->out, "%.*s\n", (int)(n - i < HEX_WIDTH ? n - i : HEX_WIDTH), s + i);
    }
    return;
  }
  fprintf(t->out, "%s: %s", label, n ? s : "(empty)");
  if (is_hex(s, n)) print_text_of_hex(t->out, s, n);
  fputc('\n', t->out);
}

static void print_integer(const rl_tree *t, const char *label, const json_t *v,
                          int indent) {
  long long x = (long long)json_integer_value(v);
  pad(t->out, indent);
  fprintf(t->out, "%s: %lld", label, x);
  if (strcmp(label, "kind") == 0 && x >= 0 && x <= 0xffffffffLL &&
      rl_kind_find((uint32_t)x)) {
    fprintf(t->out, " (%s)", rl_kind_find((uint32_t)x)->name);
  } else if (x >= 0x10000) {
    fprintf(t->out, " (0x%llx)", x);
  }
  fputc('\n', t->out);
}

/* Is object v (under key) a DataValue (RFC 6940 7.2)? It is the case
 * single_value_entry of StoredDataValue, or the value of an ArrayEntry or
 * DictionaryEntry. */
static int is_data_value(const char *key, where w, const json_t *v) {
  if (!json_is_string(json_object_get(v, "value")) || !json_object_get(v, "exists"))
    return 0;
  if (strcmp(key, "single_value_entry") == 0) return 1;
  return strcmp(key, "value") == 0 && w.parent_key &&
         (strcmp(w.parent_key, "array_entry") == 0 ||
          strcmp(w.parent_key, "dictionary_entry") == 0);
}

/* Decode DataValue.value as the Kind's value type and print it below. */
static void annotate_data_value(const rl_tree *t, const json_t *v, int indent, where w) {
  const rl_kind_info *k;
  const rl_type_desc *d;
  const char *hex = json_string_value(json_object_get(v, "value"));
  size_t n = strlen(hex);
  uint8_t *bytes;
  json_t *dec;
  char err[512] = "";
  if (!t->decode || w.kind < 0 || w.kind > 0xffffffffLL || n == 0) return;
  k = rl_kind_find((uint32_t)w.kind);
  if (!k || !k->value_type || !(d = rl_type_find(k->value_type))) return;
  bytes = malloc(n / 2 + 1);
  if (!bytes || rl_hex_decode(hex, n, bytes, n / 2, 0) < 0) {
    free(bytes);
    return;
  }
  dec = t->decode(t->user, d, bytes, n / 2, err, sizeof err);
  pad(t->out, indent);
  if (dec) {
    fprintf(t->out, "= value as %s (Kind %s):\n", d->name, k->name);
    rl_tree_print(t, dec, indent + 1);
    json_decref(dec);
  } else {
    fprintf(t->out, "= value is not a valid %s (Kind %s): %s\n", d->name, k->name, err);
  }
  free(bytes);
}

static void print_object(const rl_tree *t, const char *key, const json_t *v,
                         int indent, where w) {
  const char *k;
  const json_t *m;
  where inner = w;
  const json_t *kind = json_object_get(v, "kind");
  if (json_is_integer(kind)) inner.kind = (long long)json_integer_value(kind);
  inner.parent_key = key;
  json_object_foreach((json_t *)v, k, m) {
    print_member(t, k, m, indent, inner);
    if (strcmp(k, "value") == 0 && key && is_data_value(key, w, v))
      annotate_data_value(t, v, indent + 1, inner);
  }
}

static void print_member(const rl_tree *t, const char *key, const json_t *v,
                         int indent, where w) {
  char label[128];
  size_t i;
  const json_t *e;
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    pad(t->out, indent);
    if (json_object_size(v) == 0) {
      fprintf(t->out, "%s: {}\n", key);
      break;
    }
    fprintf(t->out, "%s\n", key);
    print_object(t, key, v, indent + 1, w);
    break;
  case JSON_ARRAY:
    if (json_array_size(v) == 0) {
      pad(t->out, indent);
      fprintf(t->out, "%s: []\n", key);
      break;
    }
    json_array_foreach(v, i, e) {
      snprintf(label, sizeof label, "%s[%zu]", key, i);
      print_member(t, label, e, indent, w);
    }
    break;
  case JSON_STRING:
    print_string(t, key, v, indent);
    break;
  case JSON_INTEGER:
    print_integer(t, key, v, indent);
    break;
  case JSON_REAL:
    pad(t->out, indent);
    fprintf(t->out, "%s: %g\n", key, json_real_value(v));
    break;
  case JSON_TRUE:
  case JSON_FALSE:
  case JSON_NULL:
    pad(t->out, indent);
    fprintf(t->out, "%s: %s\n", key,
            json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null");
    break;
  }
}

void rl_tree_print(const rl_tree *t, const json_t *v, int indent) {
  where w = {-1, NULL};
  if (json_is_object(v))
    print_object(t, NULL, v, indent, w);
  else
    print_member(t, "value", v, indent, w);
}
