package pipeline

import (
	"context"

	"github.com/batchprompt/batchprompt/internal/request"
)

// RowPreview is one input row as Run would send it, or why it would not.
type RowPreview = request.Preview

// Preview renders the first n rows of job (all of them for n < 0) through
// Run's own renderer and reports each, sending nothing. A Batch API input
// is recognised as Run recognises it. Duplicate ids among the previewed
// rows are reported as Run reports them. It returns a *ConfigError for a
// job whose prompt cannot be built, and another error for an unreadable
// input.
func Preview(ctx context.Context, job Job, prices *Prices, n int) ([]RowPreview, error) {
	job.dropKeptID()
	in, render, _, err := openRendered(ctx, &job, prices, true)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return render.PreviewRows(ctx, in, n, job.Limit)
}
