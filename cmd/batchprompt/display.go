package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/batchprompt/batchprompt/pipeline"
)

// newLogger builds the slog logger for stderr from --log-format, --quiet
// and --verbose. Logs go through the display's writer so they never tear
// the progress bar.
func newLogger(w io.Writer, f *runFlags) (*slog.Logger, error) {
	level := slog.LevelInfo
	switch {
	case f.quiet:
		level = slog.LevelError
	case f.verbose:
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f.logFormat {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, &usageError{fmt.Errorf("--log-format %q: want text or json", f.logFormat)}
}

// isTerminal reports whether w is a terminal: the bar is only for people.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// display shows progress: a bar on a terminal, or one log line every
// --progress-interval otherwise (progressbar writes carriage returns and
// fsyncs on every render, which would fill a cron log).
type display struct {
	log      *slog.Logger
	interval time.Duration
	quiet    bool
	begun    time.Time
	out      io.Writer
	writeMu  sync.Mutex

	mu   sync.Mutex
	last pipeline.Progress
	bar  *progressbar.ProgressBar

	cancel context.CancelFunc
	done   chan struct{}
}

func newDisplay(stderr io.Writer, f *runFlags) *display {
	d := &display{interval: f.progressInterval, quiet: f.quiet, begun: time.Now(), out: stderr}
	if !f.quiet && isTerminal(stderr) {
		// The bar draws the percentage; everything else (rows/s,
		// tokens/min, spend, a labelled ETA) is our description, since the
		// bar's own rate would be bytes and its time unlabelled.
		d.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetWidth(24),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	return d
}

// Write passes log output to stderr, clearing the bar first so that a log
// line never lands in the middle of it; the bar redraws on its next update.
func (d *display) Write(p []byte) (int, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	if d.bar != nil {
		_ = d.bar.Clear()
	}
	return d.out.Write(p)
}

// update receives progress from the pipeline; it must be quick.
func (d *display) update(p pipeline.Progress) {
	d.mu.Lock()
	d.last = p
	bar := d.bar
	d.mu.Unlock()
	if bar == nil {
		return
	}
	switch {
	case p.RowsTotal > 0: // Parquet: the row count is in the metadata
		if bar.GetMax64() != p.RowsTotal {
			bar.ChangeMax64(p.RowsTotal)
		}
		_ = bar.Set64(p.Done)
	case p.BytesTotal > 0 && p.Read > 0:
		// CSV/JSONL: the reader runs ahead of the answers, so scale the
		// bytes read by the share of read rows that are done. (Counting
		// newlines up front would be wrong for CSV with embedded newlines.)
		if bar.GetMax64() != p.BytesTotal {
			bar.ChangeMax64(p.BytesTotal)
		}
		_ = bar.Set64(p.BytesRead * p.Done / p.Read)
	}
	bar.Describe(progressFigures(p, time.Since(d.begun)).line(p))
}

func short(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// start begins periodic progress lines when there is no bar.
func (d *display) start(ctx context.Context) {
	if d.bar != nil || d.quiet || d.interval <= 0 {
		return
	}
	ctx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.done = make(chan struct{})
	go func() {
		defer close(d.done)
		t := time.NewTicker(d.interval)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				d.mu.Lock()
				p := d.last
				d.mu.Unlock()
				d.log.Info("progress", progressFigures(p, time.Since(start)).attrs(p)...)
			}
		}
	}()
}

func (d *display) stop() {
	if d.cancel != nil {
		d.cancel()
		<-d.done
	}
	if d.bar != nil {
		_ = d.bar.Finish()
	}
}
