// One-way load for a UDP balancer, with sinks that check Call-ID affinity: SIP INVITEs of 10,000
// Call-IDs (421 bytes, as bench/forwarder/OneWay.java) from 64 client sockets at a fixed rate,
// sent with sendmmsg in 1 ms batches; sinks read with recvmmsg. CPU of the balancer from
// /proc/PID/stat (utime + stime of all its threads). Built and run by bench/floor/oneway.sh.
//
//   gen TARGET_PORT RATE SECONDS PID SINK_PORT...
//   prints: rate, sent, received, split Call-IDs, the balancer's CPU and CPU per datagram
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CALLS 10000
#define BATCH 64
#define CLIENTS 64

static char msgs[CALLS][512];
static int lens[CALLS];
static _Atomic int owner[CALLS];
static atomic_long received, split;
static volatile int stop;

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static long user_ticks; // of the last cpu_ticks call

static long cpu_ticks(long pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')') + 2;
  long ut = 0, st = 0;
  // fields after the name: state(3) ... utime is field 14, stime 15 (1-based)
  sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &ut, &st);
  user_ticks = ut;
  return ut + st;
}

struct sink { int fd; int index; };

static void *sink_loop(void *arg) {
  struct sink *s = arg;
  static __thread char data[BATCH][2048];
  struct mmsghdr rx[BATCH];
  struct iovec v[BATCH];
  for (int i = 0; i < BATCH; i++) {
    v[i].iov_base = data[i];
    v[i].iov_len = sizeof data[i];
    memset(&rx[i], 0, sizeof rx[i]);
    rx[i].msg_hdr.msg_iov = &v[i];
    rx[i].msg_hdr.msg_iovlen = 1;
  }
  struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
  setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  while (!stop) {
    int n = recvmmsg(s->fd, rx, BATCH, MSG_WAITFORONE, NULL);
    for (int i = 0; i < n; i++) {
      char *id = memmem(data[i], rx[i].msg_len, "Call-ID: floor-", 15);
      if (!id) continue;
      int call = atoi(id + 15);
      if (call < 0 || call >= CALLS) continue;
      int expected = 0;
      if (!atomic_compare_exchange_strong(&owner[call], &expected, s->index + 1) &&
          expected != s->index + 1) {
        atomic_fetch_add(&split, 1);
      }
    }
    if (n > 0) atomic_fetch_add(&received, n);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: gen TARGET_PORT RATE SECONDS PID SINK_PORT...\n");
    return 2;
  }
  int port = atoi(argv[1]);
  long rate = atol(argv[2]), seconds = atol(argv[3]), pid = atol(argv[4]);
  int nsinks = argc - 5;
  for (int i = 0; i < CALLS; i++) {
    int n = snprintf(msgs[i], sizeof msgs[i],
        "INVITE sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK%08d\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"Alice\" <sip:alice@example.com>;tag=%08d\r\n"
        "To: <sip:bob@example.com>\r\n"
        "Call-ID: floor-%d-%08x@client.example.com\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:alice@127.0.0.1:5060>\r\n"
        "User-Agent: pe4j-bench\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n", i, i, i, (unsigned) (i * 2654435761u));
    lens[i] = n;
  }
  pthread_t threads[16];
  struct sink sinks[16];
  int buf = 4 << 20;
  for (int i = 0; i < nsinks && i < 16; i++) {
    sinks[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
    sinks[i].index = i;
    setsockopt(sinks[i].fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[5 + i])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(sinks[i].fd, (struct sockaddr *)&a, sizeof a) != 0) {
      perror("bind sink");
      return 1;
    }
    pthread_create(&threads[i], NULL, sink_loop, &sinks[i]);
  }
  int clients[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    clients[i] = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(clients[i], SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(clients[i], (struct sockaddr *)&a, sizeof a);
  }
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct mmsghdr tx[BATCH];
  struct iovec v[BATCH];
  long total = rate * seconds, sent = 0, failed = 0;
  long cpu0 = cpu_ticks(pid), user0 = user_ticks;
  long start = now_ns();
  int tick = 0;
  while (sent < total) {
    long due = (long) ((double) (now_ns() - start) * rate / 1e9);
    if (due > total) due = total;
    if (due <= sent) {
      struct timespec t = {0, 200000};
      nanosleep(&t, NULL);
      continue;
    }
    int fd = clients[tick++ % CLIENTS];
    while (sent < due) {
      int m = 0;
      for (; m < BATCH && sent + m < due; m++) {
        int call = (int) ((sent + m) % CALLS);
        v[m].iov_base = msgs[call];
        v[m].iov_len = lens[call];
        memset(&tx[m], 0, sizeof tx[m]);
        tx[m].msg_hdr.msg_iov = &v[m];
        tx[m].msg_hdr.msg_iovlen = 1;
        tx[m].msg_hdr.msg_name = &target;
        tx[m].msg_hdr.msg_namelen = sizeof target;
      }
      int k = sendmmsg(fd, tx, m, 0);
      if (k < m) failed += m - (k < 0 ? 0 : k);
      sent += m;
    }
  }
  long elapsed = now_ns() - start;
  sleep(1);
  long cpu = cpu_ticks(pid) - cpu0, user = user_ticks - user0;
  stop = 1;
  for (int i = 0; i < nsinks; i++) pthread_join(threads[i], NULL);
  long r = atomic_load(&received);
  printf("rate %ld/s (%.0f/s achieved): sent %ld (send errors %ld) received %ld (%.2f %%), split "
         "Call-IDs %ld; balancer CPU %.2f s, %.2f us per datagram received (user %.2f, system %.2f)\n",
         rate, sent * 1e9 / elapsed, sent, failed, r, 100.0 * r / sent, atomic_load(&split),
         cpu / 100.0, r > 0 ? cpu * 10000.0 / r : 0.0, r > 0 ? user * 10000.0 / r : 0.0,
         r > 0 ? (cpu - user) * 10000.0 / r : 0.0);
  return 0;
}
