/* runtime_test.c: the cursor, writer, arena and error modules. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/arena.h"
#include "runtime/ctx.h"
#include "runtime/cursor.h"
#include "runtime/error.h"
#include "runtime/writer.h"

START_TEST(cursor_reads_big_endian) {
  static const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
  rl_cursor c;
  uint8_t a;
  uint16_t b;
  uint32_t d;
  rl_cursor_init(&c, in, sizeof in);
  ck_assert_int_eq(rl_get_u8(&c, &a), 0);
  ck_assert_uint_eq(a, 1);
  ck_assert_int_eq(rl_get_u16(&c, &b), 0);
  ck_assert_uint_eq(b, 0x0203);
  ck_assert_int_eq(rl_get_u24(&c, &d), 0);
  ck_assert_uint_eq(d, 0x040506);
  ck_assert_int_eq(rl_get_u32(&c, &d), 0);
  ck_assert_uint_eq(d, 0x0708090a);
  ck_assert(rl_cursor_empty(&c));
}
END_TEST

START_TEST(cursor_refuses_short_input_and_stays_put) {
  static const uint8_t in[] = {0xaa, 0xbb, 0xcc};
  rl_cursor c, child;
  uint32_t v;
  uint64_t w;
  rl_cursor_init(&c, in, sizeof in);
  ck_assert_int_eq(rl_get_u32(&c, &v), -1);
  ck_assert_int_eq(rl_get_u64(&c, &w), -1);
  ck_assert_int_eq(rl_get_child(&c, 4, &child), -1);
  ck_assert_uint_eq(rl_cursor_left(&c), 3);
  ck_assert_int_eq(rl_get_child(&c, 2, &child), 0);
  ck_assert_uint_eq(rl_cursor_left(&child), 2);
  ck_assert_uint_eq(rl_cursor_left(&c), 1);
  ck_assert_int_eq(rl_get_uint(&c, 5, &v), -1);
}
END_TEST

/* What the generated decoders use: one check, then unchecked reads. */
START_TEST(local_reads_after_one_check) {
  static const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  const uint8_t *end = in + sizeof in;
  ck_assert(rl_has(in, end, 9));
  ck_assert(!rl_has(in, end, 10));
  ck_assert(rl_has(end, end, 0));
  ck_assert(!rl_has(in + 8, end, 2));
  ck_assert_uint_eq(rl_rd_u16(in), 0x0102);
  ck_assert_uint_eq(rl_rd_u24(in + 1), 0x020304);
  ck_assert_uint_eq(rl_rd_u32(in + 5), 0x06070809);
  ck_assert(rl_rd_u64(in + 1) == 0x0203040506070809ull);
}
END_TEST

/* The decoders' failure functions: offset from ctx->base, moved back for
 * a value found bad after it was read; the path, innermost first. */
START_TEST(decoder_failures_record_offset_and_path) {
  static const uint8_t in[16];
  uint64_t mem[8];
  rl_arena a;
  rl_ctx ctx;
  char buf[256];
  rl_arena_init(&a, mem, sizeof mem);
  rl_ctx_init(&ctx, &a, NULL);
  ctx.base = in;
  ck_assert_ptr_null(rl_dec_fail(&ctx, in + 9, 1, RL_ERR_BAD_ENUM, "type", "bad type"));
  ck_assert_ptr_null(rl_dec_push(&ctx, "addr_port"));
  ck_assert_ptr_null(rl_dec_push_index(&ctx, "candidates", 2));
  ck_assert_int_eq(ctx.err.code, RL_ERR_BAD_ENUM);
  ck_assert_uint_eq(ctx.err.offset, 8);
  ck_assert_str_eq(rl_errinfo_path(&ctx.err, buf, sizeof buf), "candidates[2].addr_port.type");
  ck_assert_ptr_null(rl_dec_elem_fail(&ctx, in + 4, 0, "numbers", 3, RL_ERR_TRUNCATED, NULL));
  ck_assert_int_eq(ctx.err.code, RL_ERR_TRUNCATED);
  ck_assert_uint_eq(ctx.err.offset, 4);
  ck_assert_str_eq(rl_errinfo_path(&ctx.err, buf, sizeof buf), "numbers[3]");
}
END_TEST

START_TEST(writer_fills_length_and_checks_range) {
  uint8_t buf[16];
  rl_writer w;
  rl_errinfo info;
  size_t pos;
  rl_writer_init(&w, buf, sizeof buf, &info);
  pos = rl_writer_reserve(&w, 1);
  rl_put_u16(&w, 0x1234);
  rl_put_u8(&w, 0x56);
  ck_assert_int_eq(rl_writer_fill(&w, pos, 1, 0, 255, "x"), 0);
  ck_assert_uint_eq(w.len, 4);
  ck_assert_uint_eq(buf[0], 3);
  pos = rl_writer_reserve(&w, 1);
  rl_put_u8(&w, 1);
  ck_assert_int_eq(rl_writer_fill(&w, pos, 1, 2, 3, "field"), RL_ERR_LENGTH_RANGE);
  ck_assert_int_eq(w.err, RL_ERR_LENGTH_RANGE);
  ck_assert_str_eq(info.seg[0].name, "field");
  /* Poisoned: later writes do nothing. */
  rl_put_u8(&w, 9);
  ck_assert_uint_eq(w.len, 6);
}
END_TEST

START_TEST(writer_reports_full_buffer) {
  uint8_t buf[3];
  rl_writer w;
  rl_writer_init(&w, buf, sizeof buf, NULL);
  rl_put_u16(&w, 1);
  rl_put_u16(&w, 2);
  ck_assert_int_eq(w.err, RL_ERR_BUFFER);
  ck_assert_uint_eq(w.len, 2);
}
END_TEST

START_TEST(writer_patch_checks_width) {
  uint8_t buf[8];
  rl_writer w;
  rl_writer_init(&w, buf, sizeof buf, NULL);
  size_t pos = rl_writer_reserve(&w, 1);
  ck_assert_int_eq(rl_writer_patch(&w, pos, 1, 256, "len"), RL_ERR_LENGTH_RANGE);
}
END_TEST

START_TEST(arena_two_ends) {
  uint64_t mem[16];
  rl_arena a;
  rl_arena_init(&a, mem, sizeof mem);
  void *p = rl_arena_alloc(&a, 10);
  ck_assert_ptr_nonnull(p);
  ck_assert_uint_eq(a.lo, 16);
  size_t mark = a.hi;
  void *s = rl_arena_scratch(&a, 4, 8);
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(a.hi, mark - 32);
  ck_assert_ptr_null(rl_arena_alloc(&a, 128));
  a.hi = mark;
  ck_assert_ptr_nonnull(rl_arena_alloc(&a, 64));
  ck_assert_ptr_null(rl_arena_alloc_array(&a, SIZE_MAX / 2, 4));
  ck_assert_ptr_null(rl_arena_scratch(&a, SIZE_MAX / 2, 4));
}
END_TEST

/* A list decoded in place: room for 4 elements of 8 bytes, 1 used, and 12
 * bytes the element placed after the room move down over the other 3. */
START_TEST(arena_shrink_moves_what_follows) {
  uint64_t mem[16];
  rl_arena a;
  rl_arena_init(&a, mem, sizeof mem);
  ck_assert_ptr_nonnull(rl_arena_alloc(&a, 8)); /* before the list: stays */
  size_t mark = a.lo;
  uint8_t *room = rl_arena_alloc_array(&a, 4, 8);
  size_t resv = a.lo;
  memset(room, 0x11, 8);
  uint8_t *after = rl_arena_alloc(&a, 12);
  memcpy(after, "abcdefghijkl", 12);
  ck_assert_uint_eq(rl_arena_shrink(&a, mark, resv, 8), 24);
  ck_assert_uint_eq(a.lo, mark + 8 + 16);
  ck_assert_mem_eq(room + 8, "abcdefghijkl", 12);
  ck_assert_uint_eq(room[7], 0x11);
  /* Nothing after the room: the unused part is given back, nothing moves. */
  mark = a.lo;
  rl_arena_alloc_array(&a, 3, 8);
  ck_assert_uint_eq(rl_arena_shrink(&a, mark, a.lo, 5), 0);
  ck_assert_uint_eq(a.lo, mark + 8);
  /* All of the room used: nothing to give back. */
  mark = a.lo;
  rl_arena_alloc_array(&a, 2, 8);
  resv = a.lo;
  rl_arena_alloc(&a, 8);
  ck_assert_uint_eq(rl_arena_shrink(&a, mark, resv, 16), 0);
  ck_assert_uint_eq(a.lo, resv + 8);
}
END_TEST

START_TEST(errinfo_path_and_format) {
  rl_errinfo e;
  char buf[256];
  rl_errinfo_clear(&e);
  rl_errinfo_set(&e, RL_ERR_TRUNCATED, 42, "values", NULL);
  rl_errinfo_push_index(&e, 2, RL_ERR_TRUNCATED);
  rl_errinfo_push(&e, "kind_data", RL_ERR_TRUNCATED);
  rl_errinfo_push(&e, "StoreReq", RL_ERR_TRUNCATED);
  ck_assert_str_eq(rl_errinfo_path(&e, buf, sizeof buf), "StoreReq.kind_data[2].values");
  rl_errinfo_format(&e, buf, sizeof buf);
  ck_assert_str_eq(buf, "error at offset 42 in StoreReq.kind_data[2].values: input ends inside this field");
}
END_TEST

START_TEST(every_error_has_a_name_and_text) {
  for (int e = 0; e >= RL_ERR_MIN; e--) {
    ck_assert_ptr_nonnull(rl_strerror(e));
    ck_assert(strncmp(rl_errname(e), "RL_", 3) == 0);
    ck_assert(strcmp(rl_strerror(e), "unknown error") != 0);
  }
  for (int e = RL_SEC_ERR_MAX; e >= RL_SEC_ERR_MIN; e--) {
    ck_assert(strncmp(rl_errname(e), "RL_SEC_ERR_", 11) == 0);
    ck_assert(strcmp(rl_strerror(e), "unknown error") != 0);
  }
  ck_assert_str_eq(rl_strerror(RL_ERR_MIN - 1), "unknown error");
  ck_assert_str_eq(rl_strerror(RL_SEC_ERR_MIN - 1), "unknown error");
  ck_assert_uint_eq(rl_err_reload_code(RL_ERR_TOO_LARGE), 0x0b);
  ck_assert_uint_eq(rl_err_reload_code(RL_ERR_TRUNCATED), 0x14);
}
END_TEST

int main(void) {
  Suite *s = suite_create("runtime");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, cursor_reads_big_endian);
  tcase_add_test(tc, cursor_refuses_short_input_and_stays_put);
  tcase_add_test(tc, local_reads_after_one_check);
  tcase_add_test(tc, decoder_failures_record_offset_and_path);
  tcase_add_test(tc, writer_fills_length_and_checks_range);
  tcase_add_test(tc, writer_reports_full_buffer);
  tcase_add_test(tc, writer_patch_checks_width);
  tcase_add_test(tc, arena_two_ends);
  tcase_add_test(tc, arena_shrink_moves_what_follows);
  tcase_add_test(tc, errinfo_path_and_format);
  tcase_add_test(tc, every_error_has_a_name_and_text);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
