"""Training data from stored runs, for those who update weights.

- `episodes`: which stored episodes an export reads, and why any is left out;
- `transcript`: an episode rebuilt as the chat the LLM agent had (or would have had);
- `chat`: the chat messages of OpenAI's fine-tuning format, as pydantic models;
- `sft`: resolved episodes as fine-tuning transcripts (`{"messages": [...]}`);
- `preference`: prompt / chosen / rejected pairs in TRL's conversational DPO format;
- `task_licences` and `dataset_card`: the README.md written beside an export.
"""
