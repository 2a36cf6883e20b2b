/* scen_lexer.h: the tokens of the scenario language
 * (doc/scenario-language.md). The lexer is scen_lexer.re, compiled by
 * re2c into scen_lexer.c.
 *
 * Newlines are not tokens: statements start with a keyword and a value is
 * one token or one bracketed group, so the parser always knows where a
 * statement ends. Keywords are plain identifiers; the parser tells them
 * apart. Every token records its line and column (1-based, columns count
 * bytes) for `file:line:col` messages. */
#ifndef RL_CONF_SCEN_LEXER_H
#define RL_CONF_SCEN_LEXER_H

#include <stddef.h>

typedef enum rl_scen_tok {
  RL_SCEN_T_EOF = 0,
  RL_SCEN_T_ERROR,    /* a character or token that is not in the language */
  RL_SCEN_T_IDENT,    /* send, message_code, Error_TTL_Exceeded, CHORD-RELOAD */
  RL_SCEN_T_NUMBER,   /* 42, -1, 0xffff */
  RL_SCEN_T_DURATION, /* 2s, 500ms */
  RL_SCEN_T_STRING,   /* "text" with JSON escapes (quotes included) */
  RL_SCEN_T_VAR,      /* ${name} or ${function:argument} */
  RL_SCEN_T_HEX,      /* hex"d2 45 4c 4f" */
  RL_SCEN_T_REQID,    /* RFC6940-6.3.2-8 */
  RL_SCEN_T_LBRACE,
  RL_SCEN_T_RBRACE,
  RL_SCEN_T_LBRACK,
  RL_SCEN_T_RBRACK,
  RL_SCEN_T_LPAREN,
  RL_SCEN_T_RPAREN,
  RL_SCEN_T_COMMA,
  RL_SCEN_T_COLON,
  RL_SCEN_T_DOT,
  RL_SCEN_T_ASSIGN,  /* = */
  RL_SCEN_T_EQ,      /* == */
  RL_SCEN_T_NE,      /* != */
  RL_SCEN_T_LT,
  RL_SCEN_T_LE,
  RL_SCEN_T_GT,
  RL_SCEN_T_GE,
  RL_SCEN_T_MATCH,   /* =~ */
  RL_SCEN_T_NOMATCH, /* !~ */
  RL_SCEN_T_AT,      /* @ before a connection name */
  RL_SCEN_T_ALL      /* [*]: every element of an array, in a path */
} rl_scen_tok;

typedef struct rl_scen_token {
  rl_scen_tok type;
  const char *p; /* the token's text in the input */
  size_t len;
  int line, col; /* where it starts */
  const char *error; /* RL_SCEN_T_ERROR: what is wrong */
} rl_scen_token;

typedef struct rl_scen_lexer {
  const char *base;      /* the input; base[len] must be NUL */
  const char *cur;
  const char *lim;       /* base + len */
  int line;
  const char *line_start;
} rl_scen_lexer;

/* text[len] must be a NUL byte (the lexer's sentinel); NUL bytes before
 * it are read as ordinary (invalid) characters. */
void rl_scen_lexer_init(rl_scen_lexer *lx, const char *text, size_t len);

/* The next token; after RL_SCEN_T_EOF, EOF again. */
void rl_scen_lex(rl_scen_lexer *lx, rl_scen_token *t);

/* A short name of a token type for messages ("identifier", "'{'"). */
const char *rl_scen_tok_name(rl_scen_tok t);

#endif
