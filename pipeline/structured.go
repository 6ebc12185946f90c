package pipeline

import (
	"fmt"

	"github.com/sashabaranov/go-openai"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/answercheck"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/writers"
)

// Structured output (--json-schema, --json-object): the renderer sends
// the response_format, the executor checks each answer and retries a
// broken one (retryAnswer), and the writers derive typed columns from the
// stored answers (jobstate.StructuredColumns).

// defaultMaxParseAttempts is Options.MaxParseAttempts's default.
const defaultMaxParseAttempts = 2

// responseFormat is the job's response_format, or nil for none. A schema
// that is not JSON gives nil here; the renderer refuses it.
func (j *Job) responseFormat() []byte {
	b, _ := request.ResponseFormat(j.JSONSchema, j.SchemaName, j.JSONObject)
	return b
}

// structuredFingerprint adds the response_format to a job's fingerprint,
// and nothing for a job without one, whose fingerprint stays as it was.
func (j *Job) structuredFingerprint(fp map[string]string) {
	if b := j.responseFormat(); b != nil {
		fp[jobstate.FingerprintResponseFormat] = string(b)
	}
}

// withStructured adds the schema's typed columns to s.
func (j *Job) withStructured(s writers.Schema) writers.Schema {
	s.Structured = jobstate.StructuredColumns(j.responseFormat())
	return s
}

// answerChecker returns the checker of the job's answers (nil: none).
func (j *Job) answerChecker() (*answercheck.Checker, error) {
	c, err := answercheck.New(j.responseFormat())
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	return c, nil
}

// retryAnswer checks an answered try's row against the job's response
// format. It returns true when the try must be sent again (the answer is
// broken and tries remain); otherwise row holds every try's tokens and
// cost, and, when the last answer was still broken, is an error row whose
// error says what was wrong. Each retry counts as a retry in progress.
func (r *runner) retryAnswer(p request.Request, row *checkpoint.Row, resp *client.Response, paid *answercheck.Tries) bool {
	if r.answers == nil {
		return false
	}
	paid.Add(*row)
	problem := r.answerProblem(resp.Completion)
	if problem != nil && paid.N < r.opt.MaxParseAttempts {
		r.p.Retries.Add(1)
		r.opt.Logger.Debug("retrying a broken structured answer", "row", p.Pos.String(), "kind", problem.Kind, "error", problem.Msg)
		return true
	}
	paid.Finish(row, p.Pos.String(), problem)
	return false
}

// answerProblem checks the first choice of an answer (nil: usable).
func (r *runner) answerProblem(c openai.ChatCompletionResponse) *answercheck.Problem {
	if r.answers == nil || len(c.Choices) == 0 {
		return nil
	}
	ch := c.Choices[0]
	return r.answers.Check(ch.Message.Content, ch.Message.Refusal, string(ch.FinishReason))
}

// checkBatchAnswer makes a Batch API answer that breaks the response
// format an error row saying why. It is not retried here: a retry would
// be another batch, up to a day later; --retry-failed sends it again.
func (r *runner) checkBatchAnswer(p request.Request, row *checkpoint.Row, c openai.ChatCompletionResponse) {
	if problem := r.answerProblem(c); problem != nil {
		row.Status, row.ErrorKind = checkpoint.StatusFailed, problem.Kind
		row.Error = fmt.Sprintf("%s: %s (a Batch API answer, not retried: --retry-failed sends it again)", p.Pos, problem.Msg)
	}
}
