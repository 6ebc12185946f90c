package pipeline

import (
	"fmt"
	"strconv"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/readers"
)

// pending is one input row on its way through the pipeline.
type pending struct {
	key    string
	seq    int64
	id     string
	pos    readers.Position
	kept   []*string
	body   []byte
	hash   string
	msgs   []budget.Message // the request's messages, until counted
	tokens int64            // prompt tokens, counted exactly
	charge int64            // TPM charge: prompt + max output
	model  *model
	maxOut int64 // the output cap the request sets, or the model's maximum
	// final is set when the row already has its result (it could not be
	// parsed or rendered) and must not be sent.
	final *checkpoint.Row
}

// newRenderer returns a runner that can only prepare rows: render, build
// and hash requests exactly as Run does, without a state database or a
// client. ExportRequests and the estimates use it, so their requests are
// Run's requests byte for byte.
func newRenderer(job Job, prices *budget.Prices, prompt *Prompt, batch bool) *runner {
	opt := Options{Prices: prices}
	opt.setDefaults()
	r := &runner{job: job, opt: opt, prompt: prompt, batch: batch}
	r.main = r.modelFor(job.Model)
	return r
}

// prepare turns a record into a request, or into a final error row.
func (r *runner) prepare(rec readers.Record, seq int64) pending {
	p := pending{seq: seq, pos: rec.Pos, key: positionKey(rec.Pos)}
	p.id = strconv.FormatInt(seq, 10)
	p.kept = make([]*string, len(r.job.Keep))
	for i, name := range r.job.Keep {
		if f, ok := rec.Lookup(name); ok && !f.Null {
			v := f.Value
			p.kept[i] = &v
		}
	}
	if r.job.IDColumn != "" {
		p.id = ""
		if f, ok := rec.Lookup(r.job.IDColumn); ok && !f.Null {
			p.id = f.Value
		}
	}
	if rec.Err != nil {
		return r.errorRow(p, "parse", rec.Err.Error())
	}
	if r.job.IDColumn != "" {
		if p.id == "" {
			return r.errorRow(p, "id", fmt.Sprintf("%s: id column %q is empty", rec.Pos, r.job.IDColumn))
		}
		p.key = "id:" + p.id
	}
	if r.batch {
		return r.prepareBatch(rec, p)
	}
	p.model, p.maxOut = r.main, r.main.maxOutput()
	if r.job.Params.MaxTokens != nil {
		p.maxOut = *r.job.Params.MaxTokens
	}
	text, err := r.prompt.Render(rec)
	if err != nil {
		return r.errorRow(p, "render", fmt.Sprintf("%s: %v", rec.Pos, err))
	}
	body, err := buildBody(r.job.Model, r.job.System, text, r.job.Params)
	if err != nil {
		return r.errorRow(p, "render", fmt.Sprintf("%s: %v", rec.Pos, err))
	}
	p.body, p.hash = body, hashBody(body)
	if r.job.System != "" {
		p.msgs = append(p.msgs, budget.Message{Role: "system", Content: r.job.System})
	}
	p.msgs = append(p.msgs, budget.Message{Role: "user", Content: text})
	return p
}

// count measures the prompt exactly, for the limiter. Only rows that will
// be sent pay for it: a resumed run skips tokenising what is done.
func (r *runner) count(p *pending) {
	p.tokens = int64(r.counter.Chat(p.model.name, p.msgs))
	p.charge = budget.TPMCharge(p.tokens, p.maxOut)
	p.msgs = nil
}

// positionKey names a row without an id by its file and its row within
// that file, which stays stable when other part files come and go.
func positionKey(pos readers.Position) string {
	return pos.File + "#" + strconv.FormatInt(pos.FileRow, 10)
}

// duplicate turns row into an error row: its id was seen first at first.
// The row keeps a key of its own (file and row) so it cannot replace the
// first row's result.
func (r *runner) duplicate(p *pending, first string) {
	p.key = positionKey(p.pos)
	*p = r.errorRow(*p, "id", fmt.Sprintf("%s: duplicate id %q (first at %s)", p.pos, p.id, first))
}

func (r *runner) errorRow(p pending, kind, msg string) pending {
	p.final = &checkpoint.Row{
		Key: p.key, Seq: p.seq, ID: p.id, Kept: p.kept, Status: checkpoint.StatusFailed,
		Error: msg, ErrorKind: kind, Position: p.pos.String(),
	}
	return p
}
