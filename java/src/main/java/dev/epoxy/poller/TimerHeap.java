package dev.epoxy.poller;

import java.util.Arrays;

/**
 * Binary min-heap of tasks ordered by {@link Task#key} (see Task: at most their expiry), intrusive ({@link Task#heapIndex}) so
 * that re-arming or removing a timer is O(log n) and allocates nothing. Owner thread only.
 */
final class TimerHeap {
    private Task[] heap = new Task[64];
    private int size;

    int size() {
        return size;
    }

    Task peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Task t) {
        if (size == heap.length) heap = Arrays.copyOf(heap, size * 2);
        heap[size] = t;
        t.heapIndex = size;
        size++;
        up(t.heapIndex);
    }

    /** Re-positions a task already in the heap after its key changed. */
    void changed(Task t) {
        up(t.heapIndex);
        down(t.heapIndex);
    }

    void remove(Task t) {
        int i = t.heapIndex;
        if (i < 0) return;
        t.heapIndex = -1;
        size--;
        if (i == size) {
            heap[size] = null;
            return;
        }
        Task last = heap[size];
        heap[size] = null;
        heap[i] = last;
        last.heapIndex = i;
        up(i);
        down(last.heapIndex);
    }

    private void up(int i) {
        Task t = heap[i];
        while (i > 0) {
            int p = (i - 1) >>> 1;
            Task pt = heap[p];
            if (pt.key <= t.key) break;
            heap[i] = pt;
            pt.heapIndex = i;
            i = p;
        }
        heap[i] = t;
        t.heapIndex = i;
    }

    private void down(int i) {
        Task t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            int r = c + 1;
            if (r < size && heap[r].key < heap[c].key) c = r;
            if (t.key <= heap[c].key) break;
            heap[i] = heap[c];
            heap[i].heapIndex = i;
            i = c;
        }
        heap[i] = t;
        t.heapIndex = i;
    }
}
