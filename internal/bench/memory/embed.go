package main

import "strconv"

// embedFlags choose what each measured run asks of the API: chat
// completions of a classification prompt (the default), or embeddings of
// each review's text, many rows to a request unless batch caps it.
type embedFlags struct {
	endpoint   string
	dimensions int
	batch      int
}

// args are the batchprompt run flags that make the job's requests.
func (e embedFlags) args() []string {
	if e.endpoint != "embeddings" {
		return []string{"--template", "Classify the sentiment of this {{.product}} review: {{.review}}", "--max-tokens", "20"}
	}
	// The id makes every text unique: the reviews repeat, and duplicates
	// would be answered without being sent.
	a := []string{"--endpoint", "embeddings", "--template", "{{.id}} {{.review}}", "--dimensions", strconv.Itoa(e.dimensions)}
	if e.batch > 0 {
		a = append(a, "--embed-batch", strconv.Itoa(e.batch))
	}
	return a
}

// target is the most peak RSS may grow from the smallest row count to the
// largest: issue 17 asks 1.2 of an embeddings run, the chat runs' check
// has been 1.5.
func (e embedFlags) target() float64 {
	if e.endpoint == "embeddings" {
		return 1.2
	}
	return 1.5
}
