"""Keyword rules → category, kind, urgent flag, and the evidence that decided them.

- engine: the Classifier (jieba keywords, situations, hedges, kind words);
- rules: situations (object + state within a window, in one sentence) compiled;
- text: what happens to a text before matching (typo/dialect map, sentences and their weights);
- homophones: typos that sound like a word the rules know (保按 → 保安), mended after the map;
- tokenizer: jieba's dictionary segmentation in one tight loop (the same words, faster);
- result: Classification and Evidence, the structured "why" later parts show and learn from;
- evaluate: accuracy, confusion matrix and misses on a labelled set (`classify --eval`).
"""

from bot.classify.engine import OTHER, Classifier
from bot.classify.result import Classification, Evidence

__all__ = ["OTHER", "Classification", "Classifier", "Evidence"]
