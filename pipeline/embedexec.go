package pipeline

import (
	"encoding/json"
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

// embedConcurrency caps an embeddings run's requests in flight: each holds
// up to 2048 rows, so a chat-sized pool would hold most of a large input.
const embedConcurrency = 32

// embedExec is the executor of an embeddings job (internal/embedexec).
func (r *runner) embedExec() executor {
	m := r.modelFor(r.job.Model)
	x, err := embedexec.New(embedexec.Config{
		Model: m.name, Dimensions: r.job.Dimensions, Pack: embed.Limits{MaxInputs: r.job.EmbedBatch},
		Concurrency: min(r.opt.Concurrency, embedConcurrency), TokenCap: func() int64 {
			// About a second of a given token limit (--tpm) a request. Not
			// of a learned one: split requests sent while it is still being
			// learned drew 429s from the simulator (9.6 % against 0 %).
			if tpm := r.opt.Limits.TPM; tpm > 0 {
				return max(int64(tpm/60), embed.MaxTokensPerInput)
			}
			return 0
		},
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
		if res.Settle(h.cost(billed)) {
			r.stopWith(BudgetReached, fmt.Errorf("the server billed more than an embeddings request's %d tokens at %s's price; stopped sending so the cap of $%.2f is not crossed further ($%.6f spent): check the prices (--prices) and the server",
				tokens, m.name, r.cap.Limit(), r.cap.Spent()))
		}
	}, true
}

// cost is tokens' price at the model's input rate, nil when unpriced.
func (h embedHost) cost(tokens int64) float64 {
	return roundUSD(h.m.price.Cost(budget.Usage{PromptTokens: tokens}))
}

func (h embedHost) Answered(rows []request.Request, vecs [][]float32, a embedexec.Answer) {
	for i, p := range rows {
		row := checkpoint.Row{
			Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusOK, ID: p.ID, Kept: p.Kept,
			Output: embed.EncodeVector(vecs[i]), FinishReason: p.Finish, Model: h.m.name, PromptTokens: p.Tokens,
			LatencyMS: a.Latency.Milliseconds(), Attempts: a.Attempts, HTTPStatus: a.Status, Position: p.Pos.String(),
			RequestID: a.RequestID,
		}
		if h.m.priced {
			cost := h.cost(p.Tokens)
			row.CostUSD = &cost
		}
		h.r.finish(row)
	}
}

func (h embedHost) Failed(p request.Request, attempts int, kind, msg string, pending bool, err error) {
	row := h.r.failedRow(p, attempts, kind, msg, 0, err)
	if pending {
		row.Status = checkpoint.StatusPending
	}
	h.r.finish(row)
}

func (h embedHost) Stop(c client.Class, err error) {
	r := h.r
	switch c.Verdict {
	case client.OutOfCredit:
		r.stopWith(Stalled, fmt.Errorf("%w: the account is out of credit; add credit, then rerun the same command", err))
	case client.Fatal:
		r.fail(fmt.Errorf("%w: check the API key (OPENAI_API_KEY or --api-key-file) and that it may use model %s", err, h.m.name))
	default:
		r.fail(fmt.Errorf("cannot reach %s: %w (check --base-url)", r.client.EmbeddingsURL(h.m.name), err))
	}
}

func (h embedHost) Stalled() bool    { return h.r.stalled(h.m) }
func (h embedHost) HadSuccess() bool { return h.r.hadSuccess() }

func (h embedHost) Event(name string, n int) {
	r := h.r
	switch name {
	case "sent":
		r.requests.Add(int64(n))
	case "ok":
		r.succeeded()
	case "throttled":
		r.p.Throttled.Add(int64(n))
		r.report()
	case "retry":
		r.p.Retries.Add(int64(n))
	case "inflight":
		r.p.InFlight.Add(int64(n))
	}
}

// EndpointEmbeddings is Job.Endpoint for an embeddings job, and
// DefaultEmbeddingModel its model when none is given.
const (
	EndpointEmbeddings    = request.EndpointEmbeddings
	DefaultEmbeddingModel = request.DefaultEmbeddingModel
)

// sendOne sends one row's request to its endpoint: a Batch API line with
// url /v1/embeddings goes, as given, to the embeddings endpoint, and its
// answer must at least be a JSON object with data and usage.
func (r *runner) sendOne(p request.Request) (*client.Response, error) {
	if p.Endpoint != request.EndpointEmbeddings {
		return r.client.Send(r.sendCtx, p.Model, p.Body)
	}
	resp, err := r.client.Embed(r.sendCtx, p.Model, p.Body)
	if err != nil {
		return nil, err
	}
	var a struct {
		Data  []json.RawMessage `json:"data"`
		Usage *embed.Usage      `json:"usage"`
	}
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.Data == nil || a.Usage == nil {
		return nil, &client.DecodeError{Status: resp.Status, Header: resp.Header, Body: resp.Body,
			Err: fmt.Errorf("%w: no data and usage (%v)", embed.ErrMalformedResponse, err)}
	}
	return resp, nil
}

// embedLineRow is the result of a Batch API embeddings line: the answer's
// body as received (the openai-batch output carries it), its usage and cost.
func (r *runner) embedLineRow(p request.Request, m *model, resp *client.Response, attempts int, latency time.Duration) checkpoint.Row {
	var a struct {
		Usage embed.Usage `json:"usage"`
	}
	_ = json.Unmarshal(resp.Body, &a) // checked by sendOne
	row := checkpoint.Row{
		Key: p.Key, Seq: p.Seq, RequestHash: p.Hash, Status: checkpoint.StatusOK, ID: p.ID, Kept: p.Kept,
		Model: m.name, PromptTokens: a.Usage.PromptTokens, LatencyMS: latency.Milliseconds(), Attempts: attempts,
		HTTPStatus: resp.Status, Position: p.Pos.String(), RequestID: resp.Header.Get("x-request-id"), ResponseBody: resp.Body,
	}
	if m.priced {
		cost := roundUSD(m.price.Cost(budget.Usage{PromptTokens: a.Usage.PromptTokens}))
		row.CostUSD = &cost
	}
	return row
}
