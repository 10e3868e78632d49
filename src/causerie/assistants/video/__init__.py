"""The video assistant: recordings, subtitle files and YouTube links become timed transcripts;
chapters, cited summaries and answers that open the player at the cited second.

- `transcript`: the timed cues of a source, kept by the ingestion hook (`on_source`)
- `chapters`: topic boundaries from the transcript (TextTiling on embeddings), titled and
  summarised by the model, checked in code
- `summary`: short or detailed summaries through the engine's `answer_over`
- `exports`: SRT, WebVTT, text; chapters as a YouTube description block; summary as Markdown
- `tasks`: chapters and summaries kept as owned records; the job kinds
- `cli`: `causerie video chapters|summary|transcript`
- `web`: the notebook's recordings page: player, chips that seek, chapters, summary
- `register`: what the assistant adds to the app
"""
