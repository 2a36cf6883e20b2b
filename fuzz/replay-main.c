/* replay-main.c: run a fuzz target on files, without libFuzzer.
 *
 *   fuzz/replay-TARGET [-q] FILE|DIR...
 *
 * Calls LLVMFuzzerTestOneInput once for every file named and every file
 * in every directory named (not recursive, sorted, dot files skipped).
 * The inputs run in a child process, so that one crashing input (abort,
 * sanitizer report, more than REPLAY_TIMEOUT seconds) is reported by name
 * and the rest still run: when the child dies, the file it was running
 * failed and a new child goes on with the next one. One child runs many
 * files because LeakSanitizer's check at exit costs a few hundred
 * milliseconds; a leak found there is pinned to its input by running each
 * of that child's files alone.
 * Prints a line per failure and "NAME: N passed, N failed"; exit status
 * 1 if any failed. `make check` runs this on fuzz/corpus/TARGET. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_common.h"

/* Seconds one input may run (libFuzzer's -timeout in fuzz/run.sh is 10;
 * sanitizer builds are slower). */
#define REPLAY_TIMEOUT 60

/* Read a whole file into a buffer of exactly its size, so that a read
 * past the end is caught by AddressSanitizer when it is enabled. */
static int read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  int r = -1;
  if (!f) goto done;
  for (;;) {
    size_t got;
    if (n == cap) {
      uint8_t *nb;
      cap = cap ? cap * 2 : 4096;
      nb = realloc(buf, cap);
      if (!nb) goto done;
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) goto done;
  /* Shrink to the exact size (one byte for an empty file). */
  {
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) goto done;
    if (n) memcpy(exact, buf, n);
    *out = exact;
    *len = n;
  }
  r = 0;
done:
  free(buf);
  if (f) fclose(f);
  return r;
}

/* The child: run files[from..n-1], telling the parent the index of each
 * before it starts (a 4-byte int on fd), and n when all are done. */
static void child_run(char **files, int from, int n, int fd) __attribute__((noreturn));
static void child_run(char **files, int from, int n, int fd) {
  for (int k = from; k <= n; k++) {
    if (write(fd, &k, sizeof k) != (ssize_t)sizeof k) _exit(3);
    if (k == n) break;
    {
      uint8_t *buf;
      size_t len;
      if (read_file(files[k], &buf, &len) != 0) {
        fprintf(stderr, "%s: cannot read: %s\n", files[k], strerror(errno));
        _exit(2);
      }
      /* An input that loops is a failure too (SIGALRM kills the child). */
      alarm(REPLAY_TIMEOUT);
      LLVMFuzzerTestOneInput(buf, len);
      alarm(0);
      free(buf);
    }
  }
  close(fd);
  exit(0); /* not _exit: LeakSanitizer checks at exit */
}

static void report(const char *path, int status) {
  if (WIFSIGNALED(status))
    printf("FAIL %s (signal %d)\n", path, WTERMSIG(status));
  else
    printf("FAIL %s (exit status %d)\n", path, WEXITSTATUS(status));
}

/* Run files[from..to-1] in one child. Returns the wait status; *last is
 * the last index the child announced (to when it finished them all). */
static int run_batch(char **files, int from, int to, int *last) {
  int fds[2], status = 0, k;
  pid_t pid;
  *last = from - 1;
  fflush(stdout);
  fflush(stderr);
  if (pipe(fds) != 0) return -1;
  pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fds[0]);
    child_run(files, from, to, fds[1]);
  }
  close(fds[1]);
  while (read(fds[0], &k, sizeof k) == (ssize_t)sizeof k) *last = k;
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

/* Run files[from..to-1]; count passes and failures. */
static void run_range(char **files, int from, int to, int quiet, long *passed,
                      long *failed) {
  int i = from;
  while (i < to) {
    int last;
    int status = run_batch(files, i, to, &last);
    if (status == 0) {
      for (int k = i; k < to && !quiet; k++) printf("ok   %s\n", files[k]);
      *passed += to - i;
      return;
    }
    if (status == -1) {
      printf("FAIL %s (cannot start a child: %s)\n", files[i], strerror(errno));
      *failed += to - i;
      return;
    }
    if (last >= i && last < to) {
      /* Died inside files[last]. The files before it never reached the
       * leak check at exit: run them again on their own. */
      if (last > i) run_range(files, i, last, quiet, passed, failed);
      report(files[last], status);
      (*failed)++;
      i = last + 1;
      continue;
    }
    /* All ran, the exit failed (a leak): find the inputs one by one. */
    for (int k = i; k < to; k++) {
      int one = run_batch(files, k, k + 1, &last);
      if (one == 0) {
        if (!quiet) printf("ok   %s\n", files[k]);
        (*passed)++;
      } else {
        report(files[k], one);
        (*failed)++;
      }
    }
    return;
  }
}

static int skip_dot(const struct dirent *d) { return d->d_name[0] != '.'; }

/* Append a copy of path to the list. */
static int add(char ***files, int *n, int *cap, const char *path) {
  if (*n == *cap) {
    int ncap = *cap ? *cap * 2 : 64;
    char **nf = realloc(*files, (size_t)ncap * sizeof **files);
    if (!nf) return -1;
    *files = nf;
    *cap = ncap;
  }
  (*files)[*n] = strdup(path);
  if (!(*files)[*n]) return -1;
  (*n)++;
  return 0;
}

int main(int argc, char **argv) {
  const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  long passed = 0, failed = 0;
  char **files = NULL;
  int nfiles = 0, cap = 0;
  int quiet = 0;
  int i = 1;
  if (i < argc && strcmp(argv[i], "-q") == 0) {
    quiet = 1;
    i++;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: %s [-q] FILE|DIR...\n", prog);
    return 2;
  }
  for (; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      printf("FAIL %s (%s)\n", argv[i], strerror(errno));
      failed++;
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      struct dirent **list;
      int n = scandir(argv[i], &list, skip_dot, alphasort);
      if (n < 0) {
        printf("FAIL %s (%s)\n", argv[i], strerror(errno));
        failed++;
        continue;
      }
      for (int k = 0; k < n; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], list[k]->d_name);
        if (add(&files, &nfiles, &cap, path) != 0) {
          fprintf(stderr, "%s: out of memory\n", prog);
          return 2;
        }
        free(list[k]);
      }
      free(list);
    } else if (add(&files, &nfiles, &cap, argv[i]) != 0) {
      fprintf(stderr, "%s: out of memory\n", prog);
      return 2;
    }
  }
  run_range(files, 0, nfiles, quiet, &passed, &failed);
  for (int k = 0; k < nfiles; k++) free(files[k]);
  free(files);
  printf("%s: %ld passed, %ld failed\n", prog, passed, failed);
  return failed ? 1 : 0;
}
