"""What the soak's checking clients share: counts, failures, and workers run for a time."""
import re, threading, time


class Tally:
    def __init__(self):
        self.stats, self.fails, self.lock = {}, [], threading.Lock()
        self.start = time.time()

    def count(self, k):
        with self.lock:
            self.stats[k] = self.stats.get(k, 0) + 1

    def fail(self, what, e):
        """A checked action failed: counted as FAILED, and kept with its time and cause."""
        self.count("FAILED")
        with self.lock:
            self.fails.append("%.1f s: %s: %s: %s" % (time.time() - self.start, what, type(e).__name__, e))

    def run(self, worker, workers, seconds):
        """worker(deadline) in `workers` threads, then the report: the counts, the failures by
        kind (numbers folded), then the first 20."""
        deadline = time.time() + seconds
        ts = [threading.Thread(target=worker, args=(deadline,)) for _ in range(workers)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(seconds + 60)
        print(sorted(self.stats.items()))
        kinds = {}
        for f in self.fails:
            k = re.sub(r"[0-9]+", "N", f.split(" s: ", 1)[1])[:100]
            kinds[k] = kinds.get(k, 0) + 1
        for k, n in sorted(kinds.items(), key=lambda x: -x[1]):
            print("  %d failed: %s" % (n, k))
        for f in self.fails[:20]:
            print("  fail:", f)
