"""Fixed texts for building a fast model: the check set it is verified on, and its int8 calibration.

Written for this purpose (no download, no library data): research-abstract
English and Chinese of the lengths digests have, short queries, and one passage
longer than the 512-token window, so truncation is checked too. The same texts
always give the same verdict, whichever library triggers the build.
"""
from __future__ import annotations

ENGLISH = (
    "We propose a diffusion model for text-to-image synthesis that denoises a learned latent space instead of "
    "pixels. A cross-attention layer conditions the denoising network on text embeddings, which lets one model "
    "follow captions, layouts and reference images. On a standard benchmark the model halves the compute of "
    "pixel-space diffusion while improving FID, and it produces images of 1024 by 1024 pixels on a single GPU.",
    "Transformers scale quadratically with sequence length. We replace softmax attention with a kernel feature "
    "map and a low-rank projection so that attention is linear in time and memory. The approximation error is "
    "bounded, and on long-range benchmarks the model matches full attention at a fraction of the cost.",
    "Self-supervised learning of visual representations: two augmented views of an image are encoded by an "
    "online and a target network, and the online network predicts the target projection. No negative pairs "
    "are needed. Linear evaluation on ImageNet reaches 74.3 % top-1 accuracy with a ResNet-50.",
    "A legged robot learns to walk on rough terrain from proprioception alone. A teacher policy trained with "
    "privileged information in simulation is distilled into a student that only sees joint angles and an "
    "inertial sensor; the student transfers to hardware zero-shot and climbs stairs, crosses gravel and recovers "
    "from pushes.",
    "End-to-end speech recognition with a conformer encoder: convolution captures local patterns and "
    "self-attention global context. With a transducer loss and SpecAugment the model reaches 2.1 % word error "
    "rate on LibriSpeech test-clean without a language model.",
    "We study why overparameterised neural networks generalise. For two-layer networks trained by gradient "
    "descent we prove that the learned function stays close to a kernel predictor, give a margin-based "
    "generalisation bound, and show experimentally that the bound tracks the test error as width grows.",
    "Graph neural networks for molecular property prediction: messages pass along bonds, and an equivariant "
    "layer uses interatomic distances and angles. The model predicts energies and forces within chemical "
    "accuracy and runs molecular dynamics a thousand times faster than density functional theory.",
    "Retrieval-augmented language models: a dense retriever finds passages from a large corpus and the reader "
    "conditions its answer on them. Training the retriever jointly with the reader improves open-domain "
    "question answering by 6 points of exact match and lets the corpus be updated without retraining.",
    "Query: how do vision transformers compare with convolutional networks on small datasets?",
    "Robust reinforcement learning under model uncertainty (RL, MDP, policy gradient, 2021).",
)

CHINESE = (
    "本文提出一种用于文本生成图像的扩散模型，在学习到的潜在空间而非像素空间中去噪。通过交叉注意力层，去噪网络以文本嵌入为条件，"
    "使同一个模型能够遵循描述、布局和参考图像。在标准基准上，该模型的计算量仅为像素空间扩散的一半，同时 FID 更低。",
    "Transformer 的计算量随序列长度平方增长。我们用核特征映射和低秩投影代替 softmax 注意力，使注意力在时间和内存上都是线性的。"
    "近似误差有界，在长序列基准上与完整注意力效果相当，而代价只是其一小部分。",
    "视觉表示的自监督学习：同一图像的两个增强视图分别由在线网络和目标网络编码，在线网络预测目标网络的投影，不需要负样本。"
    "使用 ResNet-50 在 ImageNet 上的线性评估达到 74.3% 的准确率。",
    "四足机器人仅凭本体感觉学会在崎岖地形上行走。在仿真中利用特权信息训练的教师策略被蒸馏成只观察关节角度和惯性传感器的学生策略，"
    "学生策略零样本迁移到真实硬件上，能够爬楼梯、穿越碎石并从推搡中恢复。",
    "基于 Conformer 编码器的端到端语音识别：卷积捕捉局部模式，自注意力捕捉全局上下文。结合转导损失和数据增强，"
    "模型在 LibriSpeech 上不使用语言模型即达到 2.1% 的词错误率。",
    "我们研究过参数化神经网络为何能够泛化。对于用梯度下降训练的两层网络，我们证明学到的函数始终接近一个核预测器，"
    "给出基于间隔的泛化界，并在实验中表明该界随网络宽度增加而跟踪测试误差。",
    "用于分子性质预测的图神经网络：消息沿化学键传递，等变层利用原子间距离和角度。模型预测能量和力的精度达到化学精度，"
    "分子动力学模拟比密度泛函理论快一千倍。",
    "检索增强的语言模型：稠密检索器从大规模语料中找到段落，阅读器以这些段落为条件生成答案。联合训练检索器和阅读器，"
    "开放域问答的精确匹配提高 6 个百分点。",
    "查询：在小数据集上视觉 Transformer 与卷积网络相比如何？",
    "鲁棒强化学习（模型不确定性，策略梯度）",
)

#: Beyond the model's 512-token window: checks truncation on both sides.
LONG = " ".join(ENGLISH[:8]) + " " + "".join(CHINESE[:8]) + " " + " ".join(reversed(ENGLISH[:8]))

CHECK_TEXTS = (*ENGLISH, *CHINESE, LONG)


def calibration_texts(n: int = 200) -> list[str]:
    """``n`` passages for int8 calibration: the check texts, then runs of consecutive
    sentences of them (so lengths spread from a clause to the full window)."""
    sentences = [s.strip() for text in (*ENGLISH, *CHINESE)
                 for s in text.replace("。", "。\n").replace(". ", ".\n").splitlines() if s.strip()]
    texts = list(CHECK_TEXTS)
    size = 1
    while len(texts) < n:
        for start in range(0, len(sentences), max(1, size // 2)):
            texts.append(" ".join(sentences[start:start + size]))
            if len(texts) >= n:
                break
        size += 1
    return texts
