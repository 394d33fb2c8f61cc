/* The addon's own threads: a kernel's items split into contiguous parts, one per thread (parallel.h).
 *
 * The parts run on a pool of threads started on first use and kept: starting a thread per call cost
 * 50–100 µs here, as much as a whole decode-step product. An idle pool thread spins for about 20 µs (the
 * gap between two kernels of one step), then sleeps on a condition variable, so it does not hold a core
 * that OpenBLAS's threads or another process need. One call uses the pool at a time; a call that finds
 * it busy (kernels called from two JavaScript threads at once, as cells in worker threads do) starts
 * threads of its own for that call, as the pool would have run the same parts.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include "parallel.h"


#define MAX_THREADS 64
#define SPIN_NS 30000 /* how long an idle pool thread spins before it sleeps */

typedef struct {
  part_fn fn;
  const void *ctx;
  int64_t i0, i1;
  float *scratch;
} part;

static void *run_part(void *arg) {
  const part *pt = arg;
  pt->fn(pt->ctx, pt->i0, pt->i1, pt->scratch);
  return NULL;
}

static int threads_at_load = 1;

void set_thread_count(int threads) { threads_at_load = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads; }

int thread_count(void) { return threads_at_load; }

int split_threads(double flops) { return flops < MIN_SPLIT_FLOPS ? 1 : threads_at_load; }

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* One step of a bounded spin: a pause, and on every 16th step a look at the clock (a pause costs 10 to 140
 * cycles depending on the CPU, so the bound is in time); 0 once `end` has passed. */
static int spin_step(int64_t end, int *steps) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
  return ++*steps % 16 != 0 || now_ns() < end;
}

/* The pool. `round` counts the calls handed to it; thread t (1 ≤ t < started) runs parts[t] of each round
 * with t < parts, then counts itself off in `pending`. */
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER; /* held by the call using the pool */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER; /* guards the sleeps and wake-ups */
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static part pool_parts[MAX_THREADS];
static int pool_count;             /* parts in the current round */
static int started = 1;            /* pool threads running, plus the caller */
static atomic_ulong round_no;      /* incremented to hand a round to the pool */
static atomic_int pending;         /* pool threads still running the current round */
static unsigned long first_round[MAX_THREADS]; /* the round count when thread t was started */

static void *pool_thread(void *arg) {
  const int t = (int)(intptr_t)arg;
  unsigned long seen = first_round[t]; /* rounds before this thread started are not its own */
  for (;;) {
    const int64_t end = now_ns() + SPIN_NS;
    int steps = 0;
    unsigned long now;
    while ((now = atomic_load_explicit(&round_no, memory_order_acquire)) == seen && spin_step(end, &steps)) continue;
    if (now == seen) {
      pthread_mutex_lock(&pool_lock);
      while ((now = atomic_load_explicit(&round_no, memory_order_acquire)) == seen) pthread_cond_wait(&pool_wake, &pool_lock);
      pthread_mutex_unlock(&pool_lock);
    }
    seen = now;
    if (t < pool_count) run_part(&pool_parts[t]);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&pool_lock);
      pthread_cond_signal(&pool_done);
      pthread_mutex_unlock(&pool_lock);
    }
  }
  return NULL;
}

/* Starts pool threads until `threads` run (caller included); returns how many do. Called with pool_busy. */
static int grow_pool(int threads) {
  while (started < threads) {
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    first_round[started] = atomic_load_explicit(&round_no, memory_order_relaxed);
    const int ok = pthread_create(&tid, &attr, pool_thread, (void *)(intptr_t)started) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    started++;
  }
  return started;
}

/* Runs the parts on the pool (whose every thread takes part in a round, idle or not). */
static void run_on_pool(const part *parts, int threads) {
  for (int t = 0; t < threads; t++) pool_parts[t] = parts[t];
  pool_count = threads;
  atomic_store_explicit(&pending, started - 1, memory_order_relaxed);
  pthread_mutex_lock(&pool_lock);
  atomic_fetch_add_explicit(&round_no, 1, memory_order_release);
  pthread_cond_broadcast(&pool_wake);
  pthread_mutex_unlock(&pool_lock);
  run_part(&pool_parts[0]);
  /* The caller spins on the pool's count (its parts end close to its own), then sleeps. */
  const int64_t end = now_ns() + 10 * SPIN_NS;
  int steps = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0 && spin_step(end, &steps)) continue;
  if (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    pthread_mutex_lock(&pool_lock);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) pthread_cond_wait(&pool_done, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
  }
}

/* Runs the parts on threads started for this call (the pool is busy or could not grow). */
static void run_on_new_threads(part *parts, int threads) {
  pthread_t tid[MAX_THREADS];
  int ok[MAX_THREADS] = {0};
  /* Part 0 runs on this thread; a part whose thread cannot start runs here too. */
  for (int t = 1; t < threads; t++) ok[t] = pthread_create(&tid[t], NULL, run_part, &parts[t]) == 0;
  run_part(&parts[0]);
  for (int t = 1; t < threads; t++) {
    if (ok[t]) pthread_join(tid[t], NULL);
    else run_part(&parts[t]);
  }
}

int run_parts(part_fn fn, const void *ctx, int64_t items, int threads, int64_t scratch) {
  if (threads > items) threads = (int)items;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1) threads = 1;
  /* Kernels without scratch (the elementwise ones, the products) allocate nothing per call. */
  float *buf = scratch > 0 ? malloc(sizeof(float) * (size_t)scratch * (size_t)threads) : NULL;
  if (scratch > 0 && !buf) return 0;
  part parts[MAX_THREADS];
  for (int t = 0; t < threads; t++)
    parts[t] = (part){fn, ctx, items * t / threads, items * (t + 1) / threads, buf ? buf + (size_t)scratch * (size_t)t : NULL};
  if (threads == 1) {
    run_part(&parts[0]);
  } else if (pthread_mutex_trylock(&pool_busy) == 0) {
    if (grow_pool(threads) >= threads) run_on_pool(parts, threads);
    else run_on_new_threads(parts, threads);
    pthread_mutex_unlock(&pool_busy);
  } else {
    run_on_new_threads(parts, threads);
  }
  free(buf);
  return 1;
}
