package pipeline

import (
	"context"
	"errors"
	"io"

	"github.com/batchprompt/batchprompt/readers"
)

// detectBatch tells whether the input is in the Batch API's format: named
// so by --input-format, or a JSONL file whose first line has custom_id,
// method, url and body. The record read to find out is handed back first
// by the returned reader.
func detectBatch(ctx context.Context, in readers.Reader, job Job) (readers.Reader, bool, error) {
	switch job.InputFormat {
	case FormatOpenAIBatch:
		return in, true, nil
	case "":
	default:
		return in, false, nil
	}
	if job.Input != "-" {
		if f, err := readers.DetectFormat(job.Input); err != nil || f != "jsonl" {
			return in, false, nil
		}
	}
	if job.Template != "" || job.PromptColumn != "" {
		return in, false, nil // the user said how to build prompts
	}
	rec, err := in.Next(ctx)
	pr := &peekReader{Reader: in, rec: rec, err: err, held: true}
	if errors.Is(err, io.EOF) || err != nil {
		return pr, false, nil
	}
	return pr, rec.Err == nil && isBatchRecord(rec), nil
}

// peekReader replays one record already read, then reads on.
type peekReader struct {
	readers.Reader
	rec  readers.Record
	err  error
	held bool
}

func (p *peekReader) Next(ctx context.Context) (readers.Record, error) {
	if p.held {
		p.held = false
		return p.rec, p.err
	}
	return p.Reader.Next(ctx)
}

// BytesRead and Size pass progress through when the reader reports it.
func (p *peekReader) BytesRead() int64 {
	if pr, ok := p.Reader.(readers.Progress); ok {
		return pr.BytesRead()
	}
	return 0
}

func (p *peekReader) Size() int64 {
	if pr, ok := p.Reader.(readers.Progress); ok {
		return pr.Size()
	}
	return -1
}
