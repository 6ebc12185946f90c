package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/batchprompt/batchprompt/readers"
)

// EstimateAll estimates a job of either kind: a templated job gives one
// report; a Batch-API-format input (named by --input-format or detected as
// Run detects it) gives one report per model named in its bodies, since
// prices and rate limits are per model.
func EstimateAll(ctx context.Context, job Job, opt EstimateOptions) ([]EstimateReport, error) {
	if job.Input == "" {
		return nil, configErrorf("no input: give -i/--input")
	}
	if job.InputFormat != FormatOpenAIBatch && (job.Template != "" || job.PromptColumn != "" || job.InputFormat != "") {
		// A templated job: no need to look at (and consume) the input here.
		e, err := Estimate(ctx, job, opt)
		if err != nil {
			return nil, err
		}
		return []EstimateReport{e}, nil
	}
	in, err := readers.Open(job.Input, readers.Options{Format: job.InputFormat, CSVDelimiter: job.CSVDelimiter, Stdin: job.Stdin})
	if err != nil {
		return nil, err
	}
	in, batch, err := detectBatch(ctx, in, job)
	if !batch || err != nil {
		in.Close()
		if err != nil {
			return nil, err
		}
		e, err := Estimate(ctx, job, opt)
		if err != nil {
			return nil, err
		}
		return []EstimateReport{e}, nil
	}
	defer in.Close()
	return estimateBatch(ctx, in, job, opt)
}

// estimateBatch streams Batch API request lines, one scan per model. Each
// request is measured from its own body (its messages and output cap); a
// model's output range takes the largest cap among its bodies as its high
// end. Lines that cannot be sent are counted under the job's --model.
func estimateBatch(ctx context.Context, in readers.Reader, job Job, opt EstimateOptions) ([]EstimateReport, error) {
	opt.setDefaults()
	job.InputFormat = FormatOpenAIBatch
	if job.IDColumn == "" {
		job.IDColumn = "custom_id"
	}
	r := newRenderer(job, opt.Prices, nil, true)
	scans := map[string]*estScan{}
	caps := map[string]int64{}
	scanFor := func(model string) (*estScan, error) {
		if s, ok := scans[model]; ok {
			return s, nil
		}
		price, ok := opt.Prices.Lookup(model)
		if !ok {
			return nil, &ConfigError{Err: fmt.Errorf("%w: %q (named in the request bodies) is not in the price table (%s); add it with --prices FILE", ErrUnpriced, model, opt.Prices.Source())}
		}
		mj := job
		mj.Model = model
		s := newEstScan(mj, opt, price, nil)
		s.maxOut = 0
		scans[model] = s
		return s, nil
	}
	for seq := int64(0); job.Limit <= 0 || seq < job.Limit; seq++ {
		rec, err := in.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		p := r.prepare(rec, seq)
		row := estRow{seq: seq, pos: rec.Pos}
		model := job.Model
		if p.final != nil {
			row.kind, row.err = "parse", p.final.Error
			if p.final.ErrorKind == "id" {
				row.kind = "id"
			}
		} else {
			model = p.model.name
			row.tokens = int64(opt.Counter.Chat(model, p.msgs))
			for _, m := range p.msgs {
				row.size += int64(len(m.Content))
			}
		}
		s, err := scanFor(model)
		if err != nil {
			return nil, err
		}
		if p.final == nil && p.maxOut > s.maxOut {
			s.maxOut = p.maxOut // the limiter's TPM check uses the largest cap
		}
		if p.final == nil {
			caps[model] = max(caps[model], p.maxOut)
		}
		s.fold(row)
	}
	models := make([]string, 0, len(scans))
	for m := range scans {
		models = append(models, m)
	}
	sort.Strings(models)
	out := make([]EstimateReport, 0, len(models))
	for _, m := range models {
		s := scans[m]
		e := s.result()
		e.Model, e.Price, e.PriceModel, e.PriceSource = m, s.price, s.price.Model, opt.Prices.Source()
		capTokens := caps[m]
		e.Output = outputRange(&capTokens, opt.ExpectOutputTokens, s.price, e.Requests)
		e.Cost = costRange(s.price, e.PromptTokens.Billed, e.Output)
		e.Duration = estimateDuration(e.Requests, e.PromptTokens.Billed+e.Requests*e.Output.PerRowHigh, opt.Limits)
		out = append(out, e)
	}
	return out, nil
}
