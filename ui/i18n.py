"""Interface strings in Chinese and English, and the language the page uses.

Every string the app shows (except library data) comes from :data:`STRINGS`
through :func:`t`. The language is the sidebar choice (bound to the ``lang``
query parameter, so a shared URL keeps it), else the browser's locale.
"""
from __future__ import annotations

LANGUAGES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    # navigation
    "app_title": ("论文知识图谱", "Paper knowledge graph"),
    "page_search": ("检索", "Search"),
    "page_paper": ("论文", "Paper"),
    "page_institution": ("机构", "Institution"),
    "page_author": ("作者", "Author"),
    "page_overview": ("概览", "Overview"),
    "page_export": ("导出", "Export"),
    "page_ingest": ("导入", "Ingest"),
    "language": ("界面语言 / Language", "Language / 界面语言"),
    "library_at": ("文库：{home}", "Library: {home}"),
    "loading_library": ("正在载入文库…", "Loading the library…"),
    "loading_search": ("正在载入检索索引…", "Loading the search index…"),
    # search
    "search_box": ("检索论文（中文或英文）", "Search papers (Chinese or English)"),
    "search_placeholder": ("例如：注意力机制 或 reinforcement learning", "e.g. 注意力机制 or reinforcement learning"),
    "mode": ("检索方式", "Mode"),
    "mode_hybrid": ("混合", "Hybrid"),
    "mode_semantic": ("语义", "Semantic"),
    "mode_keyword": ("关键词", "Keyword"),
    "filters": ("筛选", "Filters"),
    "category": ("类别", "Category"),
    "any": ("全部", "Any"),
    "institution": ("机构", "Institution"),
    "institution_help": ("机构名中的完整词，例如 Berkeley", "A whole word of an institution name, e.g. Berkeley"),
    "author": ("作者", "Author"),
    "author_help": ("作者名中的完整词，例如 Y Dong", "A whole word of an author name, e.g. Y Dong"),
    "since": ("起始日期", "From"),
    "until": ("截止日期", "Until"),
    "results_count": ("找到 {n} 篇论文", "{n} papers found"),
    "top_results": ("最相关的 {n} 篇", "Top {n} results"),
    "score": ("相关度", "Score"),
    "no_results": ("没有找到匹配的论文。试试换个说法、切换检索方式，或放宽侧栏的筛选条件。",
                   "No paper matches. Try other words, another mode, or loosen the filters in the sidebar."),
    "empty_library": ("文库是空的。请在“导入”页上传摘要文件，或在终端运行 `paperkg ingest 文件夹/`。",
                      "The library is empty. Add digests on the Ingest page, or run `paperkg ingest FOLDER/` in a terminal."),
    "go_ingest": ("前往导入页", "Go to the Ingest page"),
    "latest_papers": ("最新论文", "Latest papers"),
    "search_unavailable": ("检索暂不可用（{why}）；下面按日期列出论文，可用侧栏筛选。",
                           "Search is not available ({why}); papers are listed by date below and can be filtered in the sidebar."),
    "bad_filter": ("筛选条件无效：{why}", "Invalid filter: {why}"),
    "more_results": ("显示更多", "Show more"),
    # paper
    "no_paper_chosen": ("未指定论文。请从检索结果中打开一篇论文。", "No paper chosen. Open one from the search results."),
    "paper_not_found": ("文库中没有 id 为 {id} 的论文。", "The library has no paper with id {id}."),
    "summary_zh": ("中文摘要", "Chinese summary"),
    "title_only": ("来源摘要只列出了这篇论文的标题、作者和机构（“另外几篇”部分），没有摘要。",
                   "The digests list only this paper's title, authors and institutions (an “also noted” entry), no summary."),
    "abstract": ("英文摘要", "English abstract"),
    "authors": ("作者", "Authors"),
    "institutions": ("机构", "Institutions"),
    "sources": ("来源摘要", "Source digests"),
    "source_line": ("{digest} · {section} 第 {rank} 篇 · {posted}", "{digest} · {section} #{rank} · {posted}"),
    "section_main": ("正文", "main"),
    "section_other": ("另外几篇", "also noted"),
    "original_post": ("原帖", "original post"),
    "related": ("相关论文", "Related papers"),
    "related_unavailable": ("相关论文需要检索模块（{why}）。", "Related papers need the search module ({why})."),
    "neighbourhood": ("论文周边网络", "Neighbourhood network"),
    "posted": ("发布日期", "Posted"),
    "starred": ("★ 重点关注", "★ starred"),
    "network_hint": ("点击节点打开对应页面；拖动、滚轮缩放。", "Click a node to open its page; drag and scroll to zoom."),
    # institution / author
    "no_name_chosen": ("未指定名称。请从论文页或概览页打开。", "No name given. Open one from a paper or the overview."),
    "not_found": ("文库中没有名为 {name} 的{kind}。", "The library has no {kind} named {name}."),
    "did_you_mean": ("您是不是要找：", "Did you mean:"),
    "papers_over_time": ("按月发表论文数", "Papers per month"),
    "month": ("月份", "Month"),
    "papers": ("论文", "Papers"),
    "paper_count": ("论文数", "Papers"),
    "top_authors": ("主要作者", "Top authors"),
    "partners": ("合作机构", "Partner institutions"),
    "shared_papers": ("合作论文数", "Shared papers"),
    "partners_table": ("合作机构列表", "Partners, by shared papers"),
    "coauthors_table": ("合作者列表", "Co-authors, by shared papers"),
    "no_partners": ("没有合作机构。", "No partner institutions."),
    "coauthors": ("合作者", "Co-authors"),
    "no_coauthors": ("没有合作者。", "No co-authors."),
    "name": ("名称", "Name"),
    "min_weight": ("最少合作论文数", "Minimum shared papers"),
    "max_nodes": ("最多显示节点数", "Most nodes shown"),
    "network_truncated": ("只显示连接最多的 {shown} 个节点（共 {total} 个）。", "Showing the {shown} most connected of {total} nodes."),
    # overview
    "counts": ("文库统计", "Library counts"),
    "digests": ("摘要", "Digests"),
    "categories": ("类别", "Categories"),
    "edges": ("关系", "Edges"),
    "per_category_month": ("各类别每月论文数", "Papers per category per month"),
    "most_connected": ("合作最广的机构", "Most connected institutions"),
    "partner_count": ("合作机构数", "Partners"),
    "collaboration_network": ("机构合作网络", "Institution collaboration network"),
    "no_links": ("在这些筛选条件下没有机构合作。", "No institution collaborations under these filters."),
    # export
    "seeds": ("起点节点", "Seeds"),
    "seed_search": ("输入以查找论文、作者或机构", "Type to find papers, authors or institutions"),
    "seed_candidates": ("候选", "Matches"),
    "hops": ("跳数", "Hops"),
    "node_kinds": ("保留的节点类型", "Node kinds kept"),
    "kind_paper": ("论文", "paper"),
    "kind_author": ("作者", "author"),
    "kind_institution": ("机构", "institution"),
    "kind_category": ("类别", "category"),
    "kind_digest": ("摘要", "digest"),
    "choose_seeds": ("请至少选择一个起点节点。", "Choose at least one seed."),
    "subgraph_size": ("{nodes} 个节点，{edges} 条边", "{nodes} nodes, {edges} edges"),
    "preview": ("预览", "Preview"),
    "preview_too_big": ("子图太大，预览只显示 {shown} 个节点；下载包含全部内容。",
                        "The subgraph is large; the preview shows {shown} nodes, downloads hold all of it."),
    "download": ("下载 {fmt}", "Download {fmt}"),
    "needs_papers": ("该格式只包含论文；请在节点类型中保留“论文”。", "This format lists papers only; keep the paper kind."),
    "export_unavailable": ("导出模块尚未安装（{why}）。", "The export module is not available ({why})."),
    # ingest
    "upload": ("上传摘要文件（.txt / .md）", "Upload digest files (.txt / .md)"),
    "paste": ("或粘贴摘要文本", "Or paste digest text"),
    "paste_name": ("粘贴文本的名称", "Name for the pasted text"),
    "ingest_button": ("导入", "Ingest"),
    "nothing_to_ingest": ("请先上传文件或粘贴文本。", "Upload files or paste text first."),
    "stage_ingesting": ("解析并写入文库：{done}/{total} 个文件", "Reading and writing digests: {done}/{total}"),
    "stage_loading_the_model": ("正在载入嵌入模型（首次约需十余秒）…", "Loading the embedding model (the first time takes a few seconds)…"),
    "stage_embedding": ("计算文本向量：{done}/{total}", "Embedding texts: {done}/{total}"),
    "stage_indexing": ("更新检索索引…", "Updating the search index…"),
    "waiting_lock": ("另一个导入（可能来自命令行）正在写入文库，等待中… {s} 秒",
                     "Another ingest (perhaps from the command line) is writing the library; waiting… {s} s"),
    "busy": ("文库正被另一个进程写入，{s} 秒后仍未结束。请稍后再试，文库未被修改。",
             "Another process is still writing the library after {s} s. Try again later; the library is unchanged."),
    "ingest_done": ("导入完成：新增 {added} 篇，更新 {updated} 篇，{problems} 个问题。",
                    "Done: {added} papers added, {updated} updated, {problems} problems."),
    "problems": ("问题", "Problems"),
    "no_problems": ("没有发现问题。", "No problems found."),
    "added_papers": ("新增或更新的论文", "Papers added or updated"),
    "digest_status": ("{file}：{status}，{entries} 条", "{file}: {status}, {entries} entries"),
    "status_added": ("已添加", "added"),
    "status_replaced": ("已替换", "replaced"),
    "status_unchanged": ("未变化", "unchanged"),
    "status_rejected": ("已拒绝", "rejected"),
    "index_failed": ("论文已写入文库，但检索索引未更新：{why}", "Papers are in the library, but the search index was not updated: {why}"),
    "store_error": ("无法打开文库：{why}", "Cannot open the library: {why}"),
}


def translate(key: str, lang: str, **values) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def default_language(locale: str | None) -> str:
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def current_language() -> str:
    import streamlit as st

    lang = st.session_state.get("lang")
    if lang in LANGUAGES:
        return lang
    return default_language(getattr(st.context, "locale", None))


def t(key: str, **values) -> str:
    """The interface string ``key`` in the page's language."""
    return translate(key, current_language(), **values)
