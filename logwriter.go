package main

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// logBuffer is how many log lines wait for a slow log reader before lines
// are dropped: about a megabyte.
const logBuffer = 4096

// logFlushTimeout bounds the wait for the last lines at exit: a stdout
// nobody reads must not keep the monitor from stopping.
const logFlushTimeout = 2 * time.Second

// logWriter stands between the logger and its output (stdout, the UI's
// log file) so that no caller waits on the output: a tmux pane paused
// with Ctrl-S, or a pipe nobody reads, would otherwise stop the goroutine
// that hands transitions to the alert path, and every alert with it.
// Lines wait in a bounded queue and one goroutine writes them; when the
// queue is full a line is dropped and counted (Dropped), and once the
// output keeps up again, notice reports how many.
type logWriter struct {
	out     io.Writer
	lines   chan []byte
	dropped atomic.Uint64
	// notice is called from the writing goroutine with the lines dropped
	// since its last call, when the queue has emptied; may be nil.
	notice func(n uint64)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLogWriter(out io.Writer, capacity int) *logWriter {
	w := &logWriter{out: out, lines: make(chan []byte, capacity), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// Write queues one line (slog writes a record in one call) and never
// blocks; after Close it drops.
func (w *logWriter) Write(p []byte) (int, error) {
	select {
	case <-w.stop:
		w.dropped.Add(1)
		return len(p), nil
	default:
	}
	select {
	case w.lines <- append([]byte(nil), p...):
	default:
		w.dropped.Add(1)
	}
	return len(p), nil
}

// Dropped is the number of lines dropped so far.
func (w *logWriter) Dropped() uint64 { return w.dropped.Load() }

func (w *logWriter) run() {
	defer close(w.done)
	var reported uint64
	for {
		select {
		case line := <-w.lines:
			w.out.Write(line)
			if n := w.dropped.Load(); n > reported && len(w.lines) == 0 && w.notice != nil {
				w.notice(n - reported)
				reported = n
			}
		case <-w.stop:
			for {
				select {
				case line := <-w.lines:
					w.out.Write(line)
				default:
					return
				}
			}
		}
	}
}

// Close writes the lines still queued, waiting at most logFlushTimeout
// for the output, then stops; later lines are dropped.
func (w *logWriter) Close() {
	w.closeOnce.Do(func() { close(w.stop) })
	select {
	case <-w.done:
	case <-time.After(logFlushTimeout):
	}
}
