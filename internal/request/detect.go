package request

import (
	"context"
	"errors"
	"io"

	"github.com/batchprompt/batchprompt/readers"
)

// DetectBatch tells whether the input is in the Batch API's format: named
// so by format (--input-format), or a JSONL file (input is its path, "-"
// for standard input) whose first line has custom_id, method, url and
// body, unless the job is templated (a template or prompt column given). The record read to find out is handed back first
// by the returned reader.
func DetectBatch(ctx context.Context, in readers.Reader, input, format string, templated bool) (readers.Reader, bool, error) {
	switch format {
	case FormatOpenAIBatch:
		return in, true, nil
	case "":
	default:
		return in, false, nil
	}
	if input != "-" {
		if f, err := readers.DetectFormat(input); err != nil || f != "jsonl" {
			return in, false, nil
		}
	}
	if templated {
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

// MayBeBatch reports whether an input may turn out to be Batch API lines,
// which need no prompt, before it is opened: only its first line can
// tell. templated says the job gives a template or prompt column.
func MayBeBatch(input, format string, templated bool) bool {
	if templated || (format != "" && format != FormatOpenAIBatch) {
		return false
	}
	if format == FormatOpenAIBatch || input == "-" {
		return true
	}
	f, err := readers.DetectFormat(input)
	return err == nil && f == "jsonl"
}
