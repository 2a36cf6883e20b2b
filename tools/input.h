/* input.h: what kind of file reload-dump was given, and hex text.
 *
 * Inputs are raw binary (one or more RELOAD messages or frames back to
 * back), hex text (RELOAD bytes written as hex digits, with whitespace and
 * '#' comments; a test vector file (.vec) is hex text whose bytes follow a
 * "hex:" line), or a capture (pcap or pcapng, see capture.h). */
#ifndef RL_TOOL_INPUT_H
#define RL_TOOL_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef enum rl_input_kind {
  RL_INPUT_AUTO = 0,
  RL_INPUT_BIN,
  RL_INPUT_HEX,
  RL_INPUT_PCAP,
} rl_input_kind;

/* "bin", "hex", "pcap" or "auto"; -1 if s is none of them. */
int rl_input_kind_parse(const char *s);

/* Guess from the first bytes: a pcap or pcapng magic number, else hex text
 * when every byte is printable ASCII or whitespace, else binary. */
rl_input_kind rl_input_detect(const uint8_t *buf, size_t len);

/* Framing of a byte stream (RFC 6940 6.6.2). */
typedef enum rl_framing {
  RL_FRAMING_AUTO = 0,
  RL_FRAMING_BARE,   /* messages back to back */
  RL_FRAMING_FRAMED, /* FramedMessage data (128) and ack (129) frames */
} rl_framing;

/* A stream that starts with a frame type byte (128 or 129) is framed; one
 * that starts with anything else (the RELO token 0xd2) is bare. */
rl_framing rl_framing_detect(const uint8_t *buf, size_t len);

/* What a test vector file says besides its bytes. */
typedef struct rl_hex_meta {
  int is_vec;       /* the text had a "hex:" line */
  char type[64];    /* its "type:" line, or "" */
  char params[512]; /* its "params:" line, or "" */
} rl_hex_meta;

/* Decode hex text in place: text[0..len) becomes bytes in text[0..*out_len)
 * (hex never grows). Whitespace and ':' separate digits; '#' starts a
 * comment to the end of the line. When a line starts with "hex:", only
 * the lines after it count, up to a "json:" or "error:" line, and the
 * "type:" / "params:" lines are returned in meta. On a bad character or an
 * odd digit count, returns RL_ERR_SYNTAX and writes "LINE:COL: reason"
 * into err. */
int rl_hex_text_decode(uint8_t *text, size_t len, size_t *out_len,
                       rl_hex_meta *meta, char *err, size_t errlen);

#endif
