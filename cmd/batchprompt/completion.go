package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

const completionLong = `completion prints a script that makes your shell complete batchprompt's
commands, flags and file names with the Tab key. Load it once per shell, or
install it where your shell loads completions at start.`

const completionExample = `  # bash, for this shell:
  source <(batchprompt completion bash)
  # bash, for every new shell (needs the bash-completion package):
  batchprompt completion bash > ~/.local/share/bash-completion/completions/batchprompt

  # zsh (with compinit enabled), into a folder on your $fpath:
  batchprompt completion zsh > "${fpath[1]}/_batchprompt"

  # fish:
  batchprompt completion fish > ~/.config/fish/completions/batchprompt.fish`

func newCompletionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:                   "completion bash|zsh|fish",
		Short:                 "Print a shell completion script",
		Long:                  completionLong,
		Example:               completionExample,
		DisableFlagsInUseLine: true,
		ValidArgs:             []string{"bash", "zsh", "fish"},
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(stdout, true)
			case "zsh":
				err = root.GenZshCompletion(stdout)
			case "fish":
				err = root.GenFishCompletion(stdout, true)
			}
			if err != nil {
				return &commandError{fmt.Errorf("write the %s completion script: %w", args[0], err)}
			}
			return nil
		},
	}
}
