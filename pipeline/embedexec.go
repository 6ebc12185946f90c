package pipeline

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/embedexec"
	"github.com/batchprompt/batchprompt/internal/request"
)

// embeddings reports whether the job embeds its rows (Job.Endpoint).
func (j *Job) embeddings() bool { return j.Endpoint == request.EndpointEmbeddings }

// validateEndpoint checks the endpoint and the flags only it takes.
func (j *Job) validateEndpoint() error {
	switch j.Endpoint {
	case "", request.EndpointChat:
		if j.Dimensions != 0 || j.EmbedBatch != 0 || j.Truncate {
			return configErrorf("--dimensions, --embed-batch and --truncate are for --endpoint embeddings")
		}
	case request.EndpointEmbeddings:
		if j.BatchAPI {
			return configErrorf("--endpoint embeddings does not go through --batch-api yet: run it synchronously (its requests carry up to 2048 rows each)")
		}
		if j.EmbedBatch < 0 || j.EmbedBatch > embed.MaxInputsPerRequest {
			return configErrorf("--embed-batch must be 1..%d, got %d", embed.MaxInputsPerRequest, j.EmbedBatch)
		}
	default:
		return configErrorf("unknown --endpoint %q: chat or embeddings", j.Endpoint)
	}
	return nil
}

// embedFingerprint adds what shapes an embeddings job's requests to fp.
// Chat jobs add nothing, so their fingerprints, and the state databases
// made with them, are unchanged. --embed-batch only groups rows: it is
// not part of a row's request.
func (j *Job) embedFingerprint(fp map[string]string) {
	if !j.embeddings() {
		return
	}
	fp["endpoint"] = j.Endpoint
	if j.Dimensions != 0 {
		fp["dimensions"] = strconv.Itoa(j.Dimensions)
	}
	if j.Truncate {
		fp["truncate"] = "true"
	}
}

// embedExec is the executor of an embeddings job (internal/embedexec).
func (r *runner) embedExec() executor {
	m := r.modelFor(r.job.Model)
	x, err := embedexec.New(embedexec.Config{
		Model: m.name, Dimensions: r.job.Dimensions, Pack: embed.Limits{MaxInputs: r.job.EmbedBatch},
		Concurrency: r.opt.Concurrency, TPM: r.opt.Limits.TPM,
		Pacer: m.pacer, Client: r.client, Clock: r.clk,
		MaxAttempts: r.opt.MaxAttempts, BackoffBase: r.opt.BackoffBase, BackoffMax: r.opt.BackoffMax, Rand: r.rand,
		Ctx: r.dispatchCtx, SendCtx: r.sendCtx, Logger: r.opt.Logger,
	}, embedHost{r: r, m: m})
	if err != nil {
		r.fail(err)
		return nopExec{}
	}
	return x
}

// flyingExec is an executor that takes new rows unclaimed (embedexec.Exec):
// route asks it which rows it holds, and lets it drop their claims.
type flyingExec interface {
	Flying(batch []request.Request) map[string]string
	Unclaim(claims []checkpoint.Row, send []request.Request, stored map[string]checkpoint.Stored) []checkpoint.Row
}

// embedHost is the runner as the embeddings executor sees it.
type embedHost struct {
	r *runner
	m *model
}

func (h embedHost) Reserve(tokens int64) (func(int64, bool), bool) {
	r, m := h.r, h.m
	if r.cap == nil {
		return func(int64, bool) {}, true
	}
	res, ok := r.reserve(request.Request{Tokens: tokens}, m)
	if !ok {
		return nil, false
	}
	return func(billed int64, sent bool) {
		if !sent {
			res.Release()
			return
		}
		if c, _ := h.Cost(billed); res.Settle(c) {
			r.stopWith(BudgetReached, fmt.Errorf("the server billed more than an embeddings request's %d tokens at %s's price; stopped sending so the cap of $%.2f is not crossed further ($%.6f spent): check the prices (--prices) and the server",
				tokens, m.name, r.cap.Limit(), r.cap.Spent()))
		}
	}, true
}

func (h embedHost) Cost(tokens int64) (float64, bool) {
	return roundUSD(h.m.price.Cost(budget.Usage{PromptTokens: tokens})), h.m.priced
}

func (h embedHost) Commit(rows []checkpoint.Row) {
	for _, row := range rows {
		h.r.finish(row)
	}
}

func (h embedHost) Abandon(rs []request.Request) {
	for _, p := range rs { // never cancelled: as finish
		if err := h.r.commit.Add(context.WithoutCancel(h.r.dispatchCtx), claimRow(p)); err != nil {
			h.r.fail(fmt.Errorf("state database %s: %w", h.r.job.State, err))
			return
		}
	}
}

// Committed: a row queued while the committer's flush count was k is
// visible once it reaches k+2 (checkpoint.Committer.Flushes).
func (h embedHost) Committed() func() bool {
	k := h.r.commit.Flushes()
	return func() bool { return h.r.commit.Flushes() >= k+2 }
}

func (h embedHost) Stop(c client.Class, err error) {
	switch c.Verdict {
	case client.OutOfCredit:
		h.r.stopWith(Stalled, fmt.Errorf("%w: the account is out of credit; add credit, then rerun the same command", err))
	case client.Fatal:
		h.r.fail(fmt.Errorf("%w: check the API key (OPENAI_API_KEY or --api-key-file) and that it may use model %s", err, h.m.name))
	default:
		h.r.fail(fmt.Errorf("cannot reach %s: %w (check --base-url)", h.r.client.EmbeddingsURL(h.m.name), err))
	}
}

func (h embedHost) Stalled() bool    { return h.r.stalled(h.m) }
func (h embedHost) HadSuccess() bool { return h.r.hadSuccess() }

func (h embedHost) Event(name string, n int) {
	switch name {
	case "sent":
		h.r.requests.Add(int64(n))
	case "ok":
		h.r.succeeded()
	case "throttled":
		h.r.p.Throttled.Add(int64(n))
		h.r.report()
	case "retry":
		h.r.p.Retries.Add(int64(n))
	case "inflight":
		h.r.p.InFlight.Add(int64(n))
	}
}

// EndpointEmbeddings is Job.Endpoint for an embeddings job, and
// DefaultEmbeddingModel its model when none is given.
const (
	EndpointEmbeddings    = request.EndpointEmbeddings
	DefaultEmbeddingModel = request.DefaultEmbeddingModel
)

// sendOne sends one row's request to its endpoint: a Batch API line with
// url /v1/embeddings goes, as given, to the embeddings endpoint
// (embedexec.CheckLine checks its answer).
func (r *runner) sendOne(p request.Request) (*client.Response, error) {
	if p.Endpoint != request.EndpointEmbeddings {
		return r.client.Send(r.sendCtx, p.Model, p.Body)
	}
	resp, err := r.client.Embed(r.sendCtx, p.Model, p.Body)
	if err == nil {
		err = embedexec.CheckLine(resp)
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// embedLineRow is the result of a Batch API embeddings line (embedexec.LineRow).
func (r *runner) embedLineRow(p request.Request, m *model, resp *client.Response, attempts int, latency time.Duration) checkpoint.Row {
	return embedexec.LineRow(p, m.name, embedHost{m: m}.Cost, resp, attempts, latency)
}
