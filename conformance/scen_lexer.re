/* scen_lexer.re: the scenario language's lexer (doc/scenario-language.md),
 * compiled by re2c into scen_lexer.c. The input ends with a NUL sentinel
 * and every read is checked against the limit (re2c:eof), so a NUL byte
 * inside the text is just an invalid character. */
#include "scen_lexer.h"

#include <string.h>

void rl_scen_lexer_init(rl_scen_lexer *lx, const char *text, size_t len) {
  lx->base = text;
  lx->cur = text;
  lx->lim = text + len;
  lx->line = 1;
  lx->line_start = text;
}

/* Move the line counter over the newlines of [p, end). */
static void count_lines(rl_scen_lexer *lx, const char *p, const char *end) {
  for (; p < end; p++) {
    if (*p == '\n') {
      lx->line++;
      lx->line_start = p + 1;
    }
  }
}

static void set(rl_scen_token *t, rl_scen_tok type, const char *p, const char *end,
                const char *error) {
  t->type = type;
  t->p = p;
  t->len = (size_t)(end - p);
  t->error = error;
}

void rl_scen_lex(rl_scen_lexer *lx, rl_scen_token *t) {
  const char *YYCURSOR, *YYMARKER = NULL, *YYLIMIT = lx->lim, *tok;
  for (;;) {
    tok = lx->cur;
    YYCURSOR = tok;
    t->line = lx->line;
    t->col = (int)(tok - lx->line_start) + 1;
    /*!re2c
      re2c:yyfill:enable = 0;
      re2c:eof = 0;
      re2c:define:YYCTYPE = "unsigned char";

      digit  = [0-9];
      hexd   = [0-9a-fA-F];
      alpha  = [A-Za-z_];
      word   = [A-Za-z0-9_];
      ident  = alpha word* ("-" word+)*;
      number = "-"? digit+ | "0" [xX] hexd+;
      reqsec = (digit+ | [A-Z]) ("." digit+)*;
      reqid  = "RFC" digit+ "-" reqsec "-" digit+;
      strch  = [^"\\\n\x00] | "\\" [^\n\x00];

      $ { set(t, RL_SCEN_T_EOF, tok, tok, NULL); lx->cur = tok; return; }
      [ \t\r]+ { lx->cur = YYCURSOR; continue; }
      "\n" { lx->cur = YYCURSOR; lx->line++; lx->line_start = YYCURSOR; continue; }
      "#" [^\n\x00]* { lx->cur = YYCURSOR; continue; }

      reqid { set(t, RL_SCEN_T_REQID, tok, YYCURSOR, NULL); break; }
      ident { set(t, RL_SCEN_T_IDENT, tok, YYCURSOR, NULL); break; }
      digit+ ("ms" | "s") { set(t, RL_SCEN_T_DURATION, tok, YYCURSOR, NULL); break; }
      number { set(t, RL_SCEN_T_NUMBER, tok, YYCURSOR, NULL); break; }
      "\"" strch* "\"" { set(t, RL_SCEN_T_STRING, tok, YYCURSOR, NULL); break; }
      "\"" strch* {
        set(t, RL_SCEN_T_ERROR, tok, YYCURSOR, "unterminated string (a string ends on its line)");
        break;
      }
      "${" [^}\n\x00]* "}" { set(t, RL_SCEN_T_VAR, tok, YYCURSOR, NULL); break; }
      "${" [^}\n\x00]* {
        set(t, RL_SCEN_T_ERROR, tok, YYCURSOR, "unterminated ${...} (no '}' on this line)");
        break;
      }
      "hex\"" [^"\x00]* "\"" {
        set(t, RL_SCEN_T_HEX, tok, YYCURSOR, NULL);
        lx->cur = YYCURSOR;
        count_lines(lx, tok, YYCURSOR);
        return;
      }
      "hex\"" [^"\x00]* {
        set(t, RL_SCEN_T_ERROR, tok, YYCURSOR, "unterminated hex\"...\"");
        break;
      }

      "{"  { set(t, RL_SCEN_T_LBRACE, tok, YYCURSOR, NULL); break; }
      "}"  { set(t, RL_SCEN_T_RBRACE, tok, YYCURSOR, NULL); break; }
      "[*]" { set(t, RL_SCEN_T_ALL, tok, YYCURSOR, NULL); break; }
      "["  { set(t, RL_SCEN_T_LBRACK, tok, YYCURSOR, NULL); break; }
      "]"  { set(t, RL_SCEN_T_RBRACK, tok, YYCURSOR, NULL); break; }
      "("  { set(t, RL_SCEN_T_LPAREN, tok, YYCURSOR, NULL); break; }
      ")"  { set(t, RL_SCEN_T_RPAREN, tok, YYCURSOR, NULL); break; }
      ","  { set(t, RL_SCEN_T_COMMA, tok, YYCURSOR, NULL); break; }
      ":"  { set(t, RL_SCEN_T_COLON, tok, YYCURSOR, NULL); break; }
      "."  { set(t, RL_SCEN_T_DOT, tok, YYCURSOR, NULL); break; }
      "==" { set(t, RL_SCEN_T_EQ, tok, YYCURSOR, NULL); break; }
      "!=" { set(t, RL_SCEN_T_NE, tok, YYCURSOR, NULL); break; }
      "=~" { set(t, RL_SCEN_T_MATCH, tok, YYCURSOR, NULL); break; }
      "!~" { set(t, RL_SCEN_T_NOMATCH, tok, YYCURSOR, NULL); break; }
      "<=" { set(t, RL_SCEN_T_LE, tok, YYCURSOR, NULL); break; }
      ">=" { set(t, RL_SCEN_T_GE, tok, YYCURSOR, NULL); break; }
      "<"  { set(t, RL_SCEN_T_LT, tok, YYCURSOR, NULL); break; }
      ">"  { set(t, RL_SCEN_T_GT, tok, YYCURSOR, NULL); break; }
      "="  { set(t, RL_SCEN_T_ASSIGN, tok, YYCURSOR, NULL); break; }
      "@"  { set(t, RL_SCEN_T_AT, tok, YYCURSOR, NULL); break; }
      * { set(t, RL_SCEN_T_ERROR, tok, YYCURSOR, "unexpected character"); break; }
    */
  }
  lx->cur = YYCURSOR;
}

const char *rl_scen_tok_name(rl_scen_tok t) {
  switch (t) {
  case RL_SCEN_T_EOF: return "end of file";
  case RL_SCEN_T_ERROR: return "invalid token";
  case RL_SCEN_T_IDENT: return "identifier";
  case RL_SCEN_T_NUMBER: return "number";
  case RL_SCEN_T_DURATION: return "duration";
  case RL_SCEN_T_STRING: return "string";
  case RL_SCEN_T_VAR: return "${...}";
  case RL_SCEN_T_HEX: return "hex\"...\"";
  case RL_SCEN_T_REQID: return "requirement ID";
  case RL_SCEN_T_LBRACE: return "'{'";
  case RL_SCEN_T_RBRACE: return "'}'";
  case RL_SCEN_T_LBRACK: return "'['";
  case RL_SCEN_T_RBRACK: return "']'";
  case RL_SCEN_T_LPAREN: return "'('";
  case RL_SCEN_T_RPAREN: return "')'";
  case RL_SCEN_T_COMMA: return "','";
  case RL_SCEN_T_COLON: return "':'";
  case RL_SCEN_T_DOT: return "'.'";
  case RL_SCEN_T_ASSIGN: return "'='";
  case RL_SCEN_T_EQ: return "'=='";
  case RL_SCEN_T_NE: return "'!='";
  case RL_SCEN_T_LT: return "'<'";
  case RL_SCEN_T_LE: return "'<='";
  case RL_SCEN_T_GT: return "'>'";
  case RL_SCEN_T_GE: return "'>='";
  case RL_SCEN_T_MATCH: return "'=~'";
  case RL_SCEN_T_NOMATCH: return "'!~'";
  case RL_SCEN_T_AT: return "'@'";
  case RL_SCEN_T_ALL: return "'[*]'";
  }
  return "token";
}
