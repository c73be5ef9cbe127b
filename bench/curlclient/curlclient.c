/*
 * curlclient runs the harness's workloads with libcurl's multi_socket interface, driven
 * from an epoll loop, and prints one RESULT line as the Go clients do.
 *
 *   -w A -mode plain   N idle transfers + one active one, CURLOPT_BUFFERSIZE -buf, as it comes
 *   -w A -mode 1read   the same, but libcurl's zero-timeout poll() of the active socket after
 *                      each recv() is answered "not readable": one read per call
 *   -w A -mode floor   no libcurl: the same sockets in one epoll set, -buf sized recv()s
 *   -w S -mode ...     as A, but the server sends the body one byte per write, -gap µs
 *                      apart, so each call reads one byte (the modes are A's)
 *   -w B|C|D|Ehs|Eidle see bench/RESULTS.md
 *   -w Dgz             D with the server's gzip-coded /gz body, which decodes to -size bytes:
 *                      CURLOPT_ACCEPT_ENCODING "" (curl --compressed), libcurl decodes
 *   -w H               -n GETs of /small over HTTPS with HTTP/2 (nghttp2), -conc streams in
 *                      flight on one connection: CURLPIPE_MULTIPLEX, CURLOPT_PIPEWAIT,
 *                      CURL_HTTP_VERSION_2TLS, CURLMOPT_MAX_HOST_CONNECTIONS 1
 *   -w C2              -n idle /hold streams over HTTP/2, -conc per connection
 *
 * libcurl's calls to recv() and poll() are interposed (this program defines both and is
 * linked with -rdynamic) to count them and, in mode 1read, to answer that poll.
 *
 * Build: gcc -O2 -rdynamic -o curlclient curlclient.c -lcurl
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- command line ---- */

static const char *opt_w = "", *opt_mode = "plain", *opt_ca = "";
static char *addrs[64], *tls_addrs[64], *h2_addrs[64];
static int naddrs, ntls, nh2;
static long opt_n, opt_conc = 100, opt_buf = 1024, opt_gap = 100;
static long long opt_size = 100LL << 20;

static void fatal(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "FAIL: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  exit(1);
}

static int split(char *s, char **out)
{
  int n = 0;
  for(char *tok = strtok(s, ","); tok && n < 64; tok = strtok(NULL, ","))
    out[n++] = tok;
  return n;
}

static void parse(int argc, char **argv)
{
  for(int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i];
    char *v = argv[i + 1];
    if(k[0] == '-' && k[1] == '-')
      k++;
    if(!strcmp(k, "-w")) opt_w = v;
    else if(!strcmp(k, "-mode")) opt_mode = v;
    else if(!strcmp(k, "-addrs")) naddrs = split(v, addrs);
    else if(!strcmp(k, "-tlsaddrs")) ntls = split(v, tls_addrs);
    else if(!strcmp(k, "-h2addrs")) nh2 = split(v, h2_addrs);
    else if(!strcmp(k, "-ca")) opt_ca = v;
    else if(!strcmp(k, "-n")) opt_n = atol(v);
    else if(!strcmp(k, "-size")) opt_size = atoll(v);
    else if(!strcmp(k, "-conc")) opt_conc = atol(v);
    else if(!strcmp(k, "-buf")) opt_buf = atol(v);
    else if(!strcmp(k, "-gap")) opt_gap = atol(v);
    else fatal("unknown flag %s", k);
  }
}

/* ---- measuring ---- */

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_s(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static double sys_s(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long maxrss_kib(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static long rss_kib(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while(f && fgets(line, sizeof(line), f))
    if(!strncmp(line, "VmRSS:", 6))
      v = atol(line + 6);
  if(f)
    fclose(f);
  return v;
}

static int64_t *samples;
static long nsamples, capsamples;
static int64_t inside_ns;

static void sample(int64_t d)
{
  inside_ns += d;
  if(nsamples < capsamples)
    samples[nsamples] = d;
  nsamples++;
}

static int cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of the recorded calls, in ns. */
static double pct(double p)
{
  long n = nsamples < capsamples ? nsamples : capsamples;
  if(!n)
    return 0;
  qsort(samples, n, sizeof(int64_t), cmp64);
  return (double)samples[(long)((n - 1) * p / 100)];
}

static double p99(void) { return pct(99); }

static int nres;
static void result(const char *k, double v)
{
  printf("%s\"%s\":%.6g", nres++ ? "," : "RESULT {", k, v);
}
static void result_end(void) { printf("}\n"); }

/* ---- interposed libc calls ---- */

static long n_recv, n_poll, n_poll_faked;
static int one_read = 0, active_fd = -1;

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
  n_recv++;
  return recvfrom(fd, buf, len, flags, NULL, NULL);
}

/* glibc declares poll()'s array write-only; this definition reads it. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
  n_poll++;
  if(one_read && nfds == 1 && timeout == 0 && fds[0].fd == active_fd &&
     (fds[0].events & POLLIN)) {
    fds[0].revents = 0;
    n_poll_faked++;
    return 0;
  }
  return (int)syscall(SYS_poll, fds, nfds, timeout);
}

/* ---- the epoll loop around a multi handle ---- */

static CURLM *multi;
static int ep;
static int timer_on;
static int64_t deadline;
static int measuring;
static void (*on_done)(CURL *e, CURLcode rc);

static CURL *active_easy; /* workload A's active transfer */

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
  struct epoll_event ev;
  (void)userp;
  if(e && e == active_easy)
    active_fd = s;
  memset(&ev, 0, sizeof(ev));
  ev.data.fd = s;
  if(what == CURL_POLL_REMOVE) {
    epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
    return 0;
  }
  if(what & CURL_POLL_IN)
    ev.events |= EPOLLIN;
  if(what & CURL_POLL_OUT)
    ev.events |= EPOLLOUT;
  if(!socketp) {
    curl_multi_assign(multi, s, (void *)1);
    if(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev))
      fatal("epoll_ctl add: %s", strerror(errno));
  }
  else if(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev))
    fatal("epoll_ctl mod: %s", strerror(errno));
  return 0;
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
  (void)m;
  (void)userp;
  if(ms < 0)
    timer_on = 0;
  else {
    timer_on = 1;
    deadline = now_ns() + (int64_t)ms * 1000000;
  }
  return 0;
}

static void action(curl_socket_t fd, int ev)
{
  int running;
  CURLMcode rc;
  if(measuring) {
    int64_t t0 = now_ns();
    rc = curl_multi_socket_action(multi, fd, ev, &running);
    sample(now_ns() - t0);
  }
  else
    rc = curl_multi_socket_action(multi, fd, ev, &running);
  if(rc != CURLM_OK)
    fatal("curl_multi_socket_action: %s", curl_multi_strerror(rc));
}

static void step(int max_wait)
{
  static struct epoll_event evs[1024];
  int wait = max_wait;
  if(timer_on) {
    int64_t d = (deadline - now_ns() + 999999) / 1000000;
    if(d < 0)
      d = 0;
    if(d < wait)
      wait = (int)d;
  }
  int n = epoll_wait(ep, evs, 1024, wait);
  if(n < 0 && errno != EINTR)
    fatal("epoll_wait: %s", strerror(errno));
  for(int i = 0; i < n; i++) {
    int ev = 0;
    if(evs[i].events & EPOLLIN)
      ev |= CURL_CSELECT_IN;
    if(evs[i].events & EPOLLOUT)
      ev |= CURL_CSELECT_OUT;
    if(evs[i].events & (EPOLLERR | EPOLLHUP))
      ev |= CURL_CSELECT_ERR;
    action(evs[i].data.fd, ev);
  }
  if(timer_on && now_ns() >= deadline) {
    timer_on = 0;
    action(CURL_SOCKET_TIMEOUT, 0);
  }
  CURLMsg *msg;
  int left;
  while((msg = curl_multi_info_read(multi, &left))) {
    if(msg->msg != CURLMSG_DONE)
      continue;
    if(on_done)
      on_done(msg->easy_handle, msg->data.result);
    else if(msg->data.result != CURLE_OK)
      fatal("transfer: %s", curl_easy_strerror(msg->data.result));
  }
}

static void until(long *counter, long want, int limit_s, const char *what)
{
  int64_t end = now_ns() + (int64_t)limit_s * 1000000000;
  while(*counter < want) {
    if(now_ns() > end)
      fatal("timed out waiting for %s (%ld of %ld)", what, *counter, want);
    step(100);
  }
}

static void new_loop(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ep = epoll_create1(EPOLL_CLOEXEC);
  multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
}

/* ---- callbacks of the transfers ---- */

static long long body_bytes;
static long headers_done, finished;

static size_t write_cb(char *p, size_t size, size_t n, void *userp)
{
  (void)p;
  (void)userp;
  body_bytes += (long long)(size * n);
  return size * n;
}

static size_t header_cb(char *p, size_t size, size_t n, void *userp)
{
  (void)p;
  (void)userp;
  if(size * n == 2)
    headers_done++;
  return size * n;
}

static CURL *easy(const char *url)
{
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  if(!strncmp(url, "https", 5)) {
    curl_easy_setopt(e, CURLOPT_CAINFO, opt_ca);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  return e;
}

static void hold_idle(long n)
{
  char url[256];
  for(long i = 0; i < n; i++) {
    snprintf(url, sizeof(url), "http://%s/hold", addrs[i % naddrs]);
    curl_multi_add_handle(multi, easy(url));
    if(i % 500 == 499 || i == n - 1)
      until(&headers_done, i + 1, 60, "idle reply headers");
  }
}

/* ---- workloads ---- */

static long a_done;
static void a_finished(CURL *e, CURLcode rc)
{
  (void)e;
  if(rc != CURLE_OK)
    fatal("active transfer: %s", curl_easy_strerror(rc));
  a_done = 1;
}

/* The active transfer's request target: A streams, S sends one byte per write, paced. */
static void active_path(char *buf, size_t len)
{
  if(!strcmp(opt_w, "S"))
    snprintf(buf, len, "/paced?n=%lld&gap=%ld", opt_size, opt_gap);
  else
    snprintf(buf, len, "/bytes?n=%lld", opt_size);
}

/* How many calls to make room for: one per -buf bytes in A, one per byte in S. */
static long active_reads(void)
{
  return !strcmp(opt_w, "S") ? (long)opt_size : (long)(opt_size / opt_buf);
}

static void report_a(int64_t wall, double cpu, long recvs, long polls)
{
  double kib = opt_size / 1024.0;
  result("us_per_kib", inside_ns / 1e3 / kib);
  result("us_per_byte", inside_ns / 1e3 / opt_size);
  result("us_per_call", inside_ns / 1e3 / nsamples);
  result("bytes_per_call", (double)opt_size / nsamples);
  result("cpu_us_per_byte", cpu * 1e6 / opt_size);
  result("p50_us", pct(50) / 1e3);
  result("p99_us", p99() / 1e3);
  result("ns_per_call", (double)inside_ns / nsamples);
  result("reads_per_call", (double)recvs / nsamples);
  result("polls_per_call", (double)polls / nsamples);
  result("polls_answered", n_poll_faked);
  result("p99_ns", p99());
  result("calls", nsamples);
  result("cpu_s", cpu);
  result("mib_s", opt_size / 1048576.0 / (wall / 1e9));
  result("idle", opt_n);
  result_end();
}

static void work_a(void)
{
  char url[256], path[128];
  new_loop();
  hold_idle(opt_n);
  capsamples = active_reads() + 1024;
  samples = malloc(capsamples * sizeof(int64_t));

  active_path(path, sizeof(path));
  snprintf(url, sizeof(url), "http://%s%s", addrs[0], path);
  CURL *e = easy(url);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, opt_buf);
  active_easy = e;
  one_read = !strcmp(opt_mode, "1read");
  on_done = a_finished;
  body_bytes = 0;
  measuring = 1;
  long r0 = n_recv, p0 = n_poll;
  double c0 = cpu_s();
  int64_t t0 = now_ns();
  curl_multi_add_handle(multi, e);
  until(&a_done, 1, 600, "the active transfer");
  int64_t wall = now_ns() - t0;
  double cpu = cpu_s() - c0;
  long recvs = n_recv - r0, polls = n_poll - p0;
  if(body_bytes != opt_size)
    fatal("got %lld bytes, want %lld", body_bytes, opt_size);
  report_a(wall, cpu, recvs, polls);
}

static int dial_blocking(const char *addr)
{
  char host[64];
  const char *colon = strrchr(addr, ':');
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
  snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)atoi(colon + 1));
  inet_pton(AF_INET, host, &sa.sin_addr);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if(connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
    fatal("connect %s: %s", addr, strerror(errno));
  return fd;
}

static void write_all(int fd, const char *s)
{
  size_t len = strlen(s);
  while(len) {
    ssize_t n = write(fd, s, len);
    if(n <= 0)
      fatal("write: %s", strerror(errno));
    s += n;
    len -= (size_t)n;
  }
}

/* The floor: the same sockets with no library, -buf sized recv()s until one comes back short. */
static void floor_a(void)
{
  char hdr[4096], req[256], path[128], *buf = malloc(opt_buf);
  struct epoll_event ev, evs[1024];
  ep = epoll_create1(EPOLL_CLOEXEC);
  for(long i = 0; i < opt_n; i++) {
    int fd = dial_blocking(addrs[i % naddrs]);
    size_t got = 0;
    write_all(fd, "GET /hold HTTP/1.1\r\nHost: bench\r\n\r\n");
    while(!memmem(hdr, got, "\r\n\r\n", 4)) {
      ssize_t n = read(fd, hdr + got, sizeof(hdr) - got);
      if(n <= 0)
        fatal("reading a /hold reply");
      got += (size_t)n;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  int fd = dial_blocking(addrs[0]);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  long long want = snprintf(hdr, sizeof(hdr),
                            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                            "Content-Length: %lld\r\n\r\n", opt_size) + opt_size;
  capsamples = active_reads() + 1024;
  samples = malloc(capsamples * sizeof(int64_t));
  active_path(path, sizeof(path));
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path);

  long r0 = n_recv;
  double c0 = cpu_s();
  int64_t t0 = now_ns();
  long long got = 0;
  write_all(fd, req);
  while(got < want) {
    int n = epoll_wait(ep, evs, 1024, 1000);
    for(int i = 0; i < n; i++) {
      if(evs[i].data.fd != fd)
        fatal("an idle connection became ready");
      int64_t c = now_ns();
      for(;;) {
        ssize_t k = recv(fd, buf, opt_buf, 0);
        if(k > 0)
          got += k;
        if(k < opt_buf)
          break;
      }
      sample(now_ns() - c);
    }
  }
  int64_t wall = now_ns() - t0;
  double cpu = cpu_s() - c0;
  if(got != want)
    fatal("got %lld bytes, want %lld", got, want);
  report_a(wall, cpu, n_recv - r0, 0);
}

/* B and Ehs: opt_n GETs of /small, opt_conc in flight; slot i asks addrs[i % naddrs]. */
static long started;
static long total;
static void req_finished(CURL *e, CURLcode rc)
{
  long code = 0;
  if(rc != CURLE_OK)
    fatal("request: %s", curl_easy_strerror(rc));
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  if(code != 200)
    fatal("status %ld", code);
  finished++;
  curl_multi_remove_handle(multi, e);
  if(started < total) {
    started++;
    curl_multi_add_handle(multi, e);
  }
}

static void requests(int tls)
{
  char url[256];
  long slots = opt_conc < opt_n ? opt_conc : opt_n;
  CURL **es = calloc(slots, sizeof(CURL *));
  new_loop();
  for(long i = 0; i < slots; i++) {
    if(tls)
      snprintf(url, sizeof(url), "https://%s/small", tls_addrs[i % ntls]);
    else
      snprintf(url, sizeof(url), "http://%s/small", addrs[i % naddrs]);
    es[i] = easy(url);
    if(tls)
      curl_easy_setopt(es[i], CURLOPT_FORBID_REUSE, 1L);
  }
  total = opt_n;
  on_done = req_finished;
  double c0 = cpu_s(), s0 = sys_s();
  int64_t t0 = now_ns();
  for(long i = 0; i < slots; i++) {
    started++;
    curl_multi_add_handle(multi, es[i]);
  }
  until(&finished, opt_n, 600, "the requests");
  double wall = (now_ns() - t0) / 1e9, cpu = cpu_s() - c0;
  if(body_bytes != 13LL * opt_n)
    fatal("got %lld body bytes, want %lld", body_bytes, 13LL * opt_n);
  result("rps", opt_n / wall);
  result("cpu_s", cpu);
  result("cpu_us_per", cpu * 1e6 / opt_n);
  result("sys_share", (sys_s() - s0) / cpu);
  result("maxrss_kib", maxrss_kib());
  result("wall_s", wall);
  result_end();
}

static void work_c(void)
{
  new_loop();
  long base = rss_kib();
  hold_idle(opt_n);
  long rss = rss_kib();
  result("rss_kib_per_xfer", (double)(rss - base) / opt_n);
  result("base_rss_kib", base);
  result("rss_kib", rss);
  result_end();
}

static void work_d(void)
{
  char url[256];
  int gz = !strcmp(opt_w, "Dgz");
  new_loop();
  if(gz)
    snprintf(url, sizeof(url), "http://%s/gz", addrs[0]);
  else
    snprintf(url, sizeof(url), "http://%s/bytes?n=%lld", addrs[0], opt_size);
  CURL *e = easy(url);
  if(gz) {
    /* every coding libcurl was built with, decoded as it comes (curl --compressed) */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  }
  on_done = a_finished;
  double c0 = cpu_s(), s0 = sys_s();
  int64_t t0 = now_ns();
  curl_multi_add_handle(multi, e);
  until(&a_done, 1, 600, "the transfer");
  double wall = (now_ns() - t0) / 1e9, cpu = cpu_s() - c0;
  if(body_bytes != opt_size)
    fatal("got %lld body bytes, want %lld", body_bytes, opt_size);
  double mib = opt_size / 1048576.0;
  result("cpu_ms_per_mib", cpu * 1000 / mib);
  result("sys_share", (sys_s() - s0) / cpu);
  result("mib_s", mib / wall);
  result("maxrss_kib", maxrss_kib());
  result_end();
}

/* A count the server reports on its /stats ("tls", "h2", "h2held", ...); -1 if absent. */
static long server_stat(const char *name)
{
  char buf[512], key[64];
  int fd = dial_blocking(addrs[0]);
  write_all(fd, "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t got = 0;
  ssize_t n;
  while(got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
    got += (size_t)n;
  buf[got] = 0;
  close(fd);
  snprintf(key, sizeof(key), " %s=", name);
  char *body = strstr(buf, "\r\n\r\n"), *p;
  if(!body)
    return -1;
  body[3] = ' '; /* the first count follows a space too */
  p = strstr(body + 3, key);
  return p ? atol(p + strlen(key)) : -1;
}

/* The number of TLS connections the server holds. */
static long server_tls_conns(void) { return server_stat("tls"); }

static void idle_finished(CURL *e, CURLcode rc)
{
  if(rc != CURLE_OK)
    fatal("request: %s", curl_easy_strerror(rc));
  finished++;
  curl_multi_remove_handle(multi, e); /* the connection stays in the multi's cache */
  curl_easy_cleanup(e);
}

static void work_eidle(void)
{
  char url[256];
  new_loop();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 4 * opt_n);
  on_done = idle_finished;
  long base = rss_kib();
  for(long i = 0; i < opt_n; i++) {
    snprintf(url, sizeof(url), "https://%s/small", tls_addrs[i % ntls]);
    curl_multi_add_handle(multi, easy(url));
  }
  until(&finished, opt_n, 300, "the TLS requests");
  long rss = rss_kib();
  long conns = 0;
  for(int i = 0; i < 100 && (conns = server_tls_conns()) < opt_n; i++)
    usleep(20000);
  result("tls_idle_kib", (double)(rss - base) / (conns > 0 ? conns : 1));
  result("conns", conns);
  result_end();
}

/* ---- HTTP/2 (workloads H and C2) ---- */

static long h2_connects; /* CURLINFO_NUM_CONNECTS summed over the transfers */

/* An easy handle for url over HTTP/2 on a shared connection. */
static CURL *easy_h2(const char *url)
{
  CURL *e = easy(url);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  return e;
}

/* A multi handle that multiplexes, streams per connection, conns connections per host. */
static void new_h2_loop(long streams, long conns)
{
  new_loop();
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
  curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, streams);
}

static void h2_finished(CURL *e, CURLcode rc)
{
  long code = 0, version = 0, connects = 0;
  if(rc != CURLE_OK)
    fatal("request: %s", curl_easy_strerror(rc));
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
  if(code != 200)
    fatal("status %ld", code);
  if(version != CURL_HTTP_VERSION_2_0)
    fatal("reply over HTTP version %ld, want HTTP/2", version);
  h2_connects += connects;
  finished++;
  curl_multi_remove_handle(multi, e);
  if(started < total) {
    started++;
    curl_multi_add_handle(multi, e);
  }
}

/* H: opt_n GETs of /small on one HTTP/2 connection, opt_conc streams in flight. */
static void work_h(void)
{
  char url[256];
  long slots = opt_conc < opt_n ? opt_conc : opt_n;
  CURL **es = calloc(slots, sizeof(CURL *));
  if(!nh2)
    fatal("workload H needs -h2addrs");
  new_h2_loop(opt_conc, 1);
  snprintf(url, sizeof(url), "https://%s/small", h2_addrs[0]);
  for(long i = 0; i < slots; i++)
    es[i] = easy_h2(url);
  total = opt_n;
  on_done = h2_finished;
  double c0 = cpu_s(), s0 = sys_s();
  int64_t t0 = now_ns();
  for(long i = 0; i < slots; i++) {
    started++;
    curl_multi_add_handle(multi, es[i]);
  }
  until(&finished, opt_n, 600, "the requests");
  double wall = (now_ns() - t0) / 1e9, cpu = cpu_s() - c0;
  if(body_bytes != 13LL * opt_n)
    fatal("got %lld body bytes, want %lld", body_bytes, 13LL * opt_n);
  if(h2_connects != 1)
    fatal("the requests opened %ld connections, want 1", h2_connects);
  result("rps", opt_n / wall);
  result("cpu_s", cpu);
  result("cpu_us_per", cpu * 1e6 / opt_n);
  result("sys_share", (sys_s() - s0) / cpu);
  result("maxrss_kib", maxrss_kib());
  result("wall_s", wall);
  result_end();
}

/* C2: opt_n /hold transfers over HTTP/2 on one origin, opt_conc streams per connection,
   each with its reply header: idle in-flight streams. */
static void work_c2(void)
{
  char url[256];
  long conns = (opt_n + opt_conc - 1) / opt_conc;
  if(!nh2)
    fatal("workload C2 needs -h2addrs");
  new_h2_loop(opt_conc, conns);
  snprintf(url, sizeof(url), "https://%s/hold", h2_addrs[0]);
  long base = rss_kib();
  for(long i = 0; i < opt_n; i++) {
    curl_multi_add_handle(multi, easy_h2(url));
    if(i % 500 == 499 || i == opt_n - 1)
      until(&headers_done, i + 1, 60, "idle reply headers");
  }
  long rss = rss_kib();
  result("rss_kib_per_xfer", (double)(rss - base) / opt_n);
  result("base_rss_kib", base);
  result("rss_kib", rss);
  result("conns", server_stat("h2"));
  result("held", server_stat("h2held"));
  result_end();
}

int main(int argc, char **argv)
{
  parse(argc, argv);
  if(!strcmp(opt_w, "version")) {
    printf("%s\n", curl_version());
    return 0;
  }
  if(!naddrs)
    fatal("-addrs is required");
  if(!strcmp(opt_w, "A") || !strcmp(opt_w, "S"))
    !strcmp(opt_mode, "floor") ? floor_a() : work_a();
  else if(!strcmp(opt_w, "B"))
    requests(0);
  else if(!strcmp(opt_w, "C"))
    work_c();
  else if(!strcmp(opt_w, "D") || !strcmp(opt_w, "Dgz"))
    work_d();
  else if(!strcmp(opt_w, "Ehs"))
    requests(1);
  else if(!strcmp(opt_w, "Eidle"))
    work_eidle();
  else if(!strcmp(opt_w, "H"))
    work_h();
  else if(!strcmp(opt_w, "C2"))
    work_c2();
  else
    fatal("unknown workload %s", opt_w);
  fflush(stdout);
  _exit(0);
}
