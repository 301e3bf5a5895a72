"""Build XLM-R models with random weights, packaged exactly like a Detoxify checkpoint.

Weights cannot be downloaded on school servers or in CI, so tests and benchmarks build their model
here: a tokenizer trained locally with ``tokenizers`` (Unigram, XLM-R special tokens), a Hugging
Face config, and ``checkpoint.ckpt`` whose ``config.arch.args.model_type`` is the hub name
``xlm-roberta-base``, as in the real multilingual checkpoint, so the loader's rewrite is exercised.
"""

from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
_CORPUS = (
    "hoi allemaal morgen is de toets van hoofdstuk drie vergeet je rekenmachine niet",
    "jij bent echt een sukkel en niemand wil jou in de groep",
    "ik weet waar je woont dus pas maar op",
    "you are such an idiot nobody likes you",
    "thanks for the notes see you tomorrow in class",
    "de excursie begint om half negen bij de ingang van school",
    "wie heeft de aantekeningen van biologie en geschiedenis",
    "kanker kut tering sukkel loser hoer debiel mongool idioot",
)

# hidden, layers, heads, intermediate
SIZES = {"tiny": (32, 2, 2, 64), "small": (128, 4, 4, 256), "base": (768, 12, 12, 3072)}


def build(
    folder: Path, size: str = "tiny", *, vocab_size: int = 400, seed: int = 7,
    classifier_std: float = 1.0,
) -> Path:
    """Write a Detoxify-style model folder; returns the checkpoint path.

    ``base`` has the shape of Detoxify's multilingual model (XLM-R base, 12 layers, 768 wide); its
    vocabulary is whatever ``vocab_size`` the local tokenizer reaches (compute per token does not
    depend on it). ``classifier_std`` spreads the random scores so decisions differ per text.
    """
    import torch
    import transformers
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    corpus = [line for line in _CORPUS for _ in range(20)]
    words = sorted({w for line in _CORPUS for w in line.split()})
    corpus += [" ".join(words[i:] + words[:i]) for i in range(len(words))]
    tok.train_from_iterator(
        corpus,
        trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=specials, unk_token="<unk>"),
    )
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    fast = transformers.XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
        model_max_length=512,
    )
    fast.save_pretrained(folder)
    hidden, layers, heads, inter = SIZES[size]
    config = transformers.XLMRobertaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=inter, max_position_embeddings=514,
        num_labels=len(CLASSES), pad_token_id=tok.token_to_id("<pad>"), bos_token_id=bos,
        eos_token_id=eos, type_vocab_size=1,
    )
    config.save_pretrained(folder)
    model = transformers.XLMRobertaForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.out_proj.weight.normal_(0.0, classifier_std)
        model.classifier.dense.weight.normal_(0.0, 0.5)
    checkpoint = {
        "config": {
            "arch": {"args": {
                "model_type": "xlm-roberta-base",
                "model_name": "XLMRobertaForSequenceClassification",
                "tokenizer_name": "XLMRobertaTokenizer",
                "num_classes": len(CLASSES),
            }},
            "dataset": {"args": {"classes": CLASSES}},
        },
        "state_dict": model.state_dict(),
    }
    path = folder / "checkpoint.ckpt"
    torch.save(checkpoint, path)
    return path


def build_hf(folder: Path, labels: tuple[str, ...] = ("NOT_ABUSIVE", "ABUSIVE"), *,
             multi_label: bool = False, seed: int = 7) -> Path:
    """Write a plain Hugging Face sequence-classification folder (``save_pretrained``: config with
    ``id2label``, ``model.safetensors``, tokenizer), as a school would copy a downloaded abuse model
    to its server; random weights. Returns the folder."""
    import torch
    import transformers

    folder = Path(folder)
    build(folder, "tiny", seed=seed)
    (folder / "checkpoint.ckpt").unlink()  # a plain HF folder has no Detoxify checkpoint
    config = transformers.AutoConfig.from_pretrained(folder, local_files_only=True)
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.problem_type = ("multi_label_classification" if multi_label
                           else "single_label_classification")
    torch.manual_seed(seed)
    model = transformers.XLMRobertaForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.out_proj.weight.normal_(0.0, 1.0)
    model.save_pretrained(folder)
    return folder
