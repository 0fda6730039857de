# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of ``Tagger.tag``: the same tags, confidence and reasons as the Python fast path.

The Python fast path spends most of its time in interpreter overhead on small things: sets of
stems, pairs of stems as tuples, phrase matching, numpy calls on a 21-wide row, three softmaxes and
a loop over label triples, a sort per winning label to name the model's words, and a dozen
formatted strings. Here the text is split into words in one pass over its characters, each word is
looked up in the tagger's word cache (the Python ``_WordCache``, so a new word is still analysed by
Python), stems are compared as integer ids (a stem pair is one look-up that finds its bigram row
and its phrases), summing, decoding and ranking run over C arrays, and each reason line is written
into one byte buffer. Rules, model and weights stay the tagger's: this module holds no numbers of
its own.

``tests/tagging/test_fast_path.py`` and ``test_native_text.py`` hold it to the reference path and
to the regular expressions; the tagger uses the Python fast path when this module was not compiled.
"""

from cpython.object cimport PyObject
from cpython.dict cimport PyDict_GetItem
from cpython.tuple cimport PyTuple_GET_ITEM
from libc.math cimport INFINITY, copysign, exp, fabs, floor, isfinite, log
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8

cdef inline object _field(object record, Py_ssize_t index):
    """Field ``index`` of a tuple or NamedTuple (the cached ``_Word`` records), unchecked."""
    return <object>PyTuple_GET_ITEM(record, index)


cdef extern from "Python.h":
    int PyUnicode_KIND(object text)
    bint PyUnicode_IS_ASCII(object text)
    void *PyUnicode_DATA(object text)
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index)
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    char *PyOS_double_to_string(
        double value, char format_code, int precision, int flags, int *kind
    ) except NULL
    void PyMem_Free(void *pointer)
    int Py_DTSF_SIGN


cdef str _fixed(double value, int places, bint sign):
    """``value`` in fixed point with ``places`` decimals (and a sign): CPython's own conversion,
    so the text is exactly that of ``format(value, "+.1f")``, without the format machinery."""
    cdef char *text = PyOS_double_to_string(value, b"f", places, Py_DTSF_SIGN if sign else 0, NULL)
    try:
        return text.decode("ascii")
    finally:
        PyMem_Free(text)


cdef enum:
    MAX_LABELS = 64
    SHOWN = 3  # model words named per label
    RULES_SHOWN = 3  # rules named per label
    MATCHED_SHOWN = 6  # matched words named per rule

ABI = 7
"""Raised whenever the arguments of :class:`Scorer` change, so a stale build is not used."""


cdef class Scorer:
    """Scores messages with a tagger's cached word rows (see the module docstring)."""

    cdef object _cache
    cdef object _normalise
    cdef object _table
    cdef object _mixed_obj
    cdef object _model_obj
    cdef double[:, ::1] _mixed
    cdef double[:, ::1] _model
    cdef list _row_names
    cdef dict _pairs
    cdef long long _nfixed
    cdef list _entries
    cdef double _phrase_multiplier
    cdef list _heads
    cdef list _dimension_of
    cdef Py_ssize_t _max_reason
    cdef Py_ssize_t _max_reasons
    cdef list _phrase_rows
    cdef int _size
    cdef int _start[3]
    cdef int _end[3]
    cdef int _top[3]
    cdef double _temperature[3]
    cdef double _lam
    cdef double _joint[MAX_LABELS * MAX_LABELS]
    cdef double _coherence_weight
    cdef int _ncoherence
    cdef int *_coherence_p
    cdef int *_coherence_i
    cdef double *_coherence_v
    cdef double _min_shown
    cdef unsigned int *_stamp
    cdef Py_ssize_t _stamp_cap
    cdef unsigned int *_pair_stamp
    cdef Py_ssize_t _npairs
    cdef unsigned int _gen
    cdef long long *_sids
    cdef Py_ssize_t *_rows
    cdef Py_ssize_t *_found_rank
    cdef Py_ssize_t *_found_row
    cdef Py_ssize_t *_found_pos
    cdef Py_ssize_t _cap
    cdef int _shown_count[3]
    cdef Py_ssize_t _shown_row[3][SHOWN]
    cdef double _shown_value[3][SHOWN]
    cdef int *_group_slot
    cdef PyObject **_group_rule
    cdef double *_group_total
    cdef Py_ssize_t *_group_count
    cdef PyObject **_group_matched
    cdef Py_ssize_t *_order
    cdef Py_ssize_t _group_cap
    cdef char *_text
    cdef Py_ssize_t _text_len
    cdef Py_ssize_t _text_cap

    # C fields start zeroed (NULL pointers, zero sizes): Cython allocates the object zeroed.

    def __init__(
        self,
        *,
        cache,
        normalise,
        table,
        list row_names,
        dict pairs,
        long long nfixed,
        list entries,
        double phrase_multiplier,
        list heads,
        list dimension_of,
        Py_ssize_t max_reason,
        Py_ssize_t max_reasons,
        list phrase_rows,
        int size,
        list spans,
        list tops,
        double lam,
        list joint,
        double coherence_weight,
        list coherence,
        double min_shown,
    ):
        cdef int d, k, i, j
        if size > MAX_LABELS or len(spans) != 3 or len(tops) != 3:
            raise ValueError("unsupported label layout")
        self._cache = cache
        self._normalise = normalise
        self._table = table
        self._mixed_obj = None
        self._model_obj = None
        self._row_names = row_names
        self._pairs = pairs
        self._nfixed = nfixed
        self._entries = entries
        self._phrase_multiplier = phrase_multiplier
        self._heads = heads
        self._dimension_of = dimension_of
        self._max_reason = max_reason
        self._max_reasons = max_reasons
        self._phrase_rows = phrase_rows
        self._size = size
        for d in range(3):
            self._start[d], self._end[d], self._temperature[d] = spans[d]
            self._top[d] = tops[d]
        self._lam = lam if joint else 0.0
        memset(self._joint, 0, sizeof(self._joint))
        if joint:
            for i in range(size):
                for j in range(size):
                    self._joint[i * size + j] = joint[i][j]
        self._coherence_weight = coherence_weight if coherence else 0.0
        self._ncoherence = len(coherence)
        if self._ncoherence:
            self._coherence_p = <int *>malloc(self._ncoherence * sizeof(int))
            self._coherence_i = <int *>malloc(self._ncoherence * sizeof(int))
            self._coherence_v = <double *>malloc(self._ncoherence * sizeof(double))
            if not (self._coherence_p and self._coherence_i and self._coherence_v):
                raise MemoryError()
            for k in range(self._ncoherence):
                self._coherence_p[k], self._coherence_i[k], self._coherence_v[k] = coherence[k]
        self._min_shown = min_shown
        self._npairs = max(1, len(pairs))
        self._pair_stamp = <unsigned int *>malloc(self._npairs * sizeof(unsigned int))
        if not self._pair_stamp:
            raise MemoryError()
        memset(self._pair_stamp, 0, self._npairs * sizeof(unsigned int))

    def __dealloc__(self):
        free(self._group_slot)
        free(self._group_rule)
        free(self._group_total)
        free(self._group_count)
        free(self._group_matched)
        free(self._order)
        free(self._text)
        free(self._coherence_p)
        free(self._coherence_i)
        free(self._coherence_v)
        free(self._stamp)
        free(self._pair_stamp)
        free(self._sids)
        free(self._rows)
        free(self._found_rank)
        free(self._found_row)
        free(self._found_pos)

    cdef int _reserve(self, Py_ssize_t n) except -1:
        """Room for the per-message arrays of a message of ``n`` words."""
        if n <= self._cap:
            return 0
        cap = max(n, 2 * self._cap, 64)
        self._sids = <long long *>realloc(self._sids, cap * sizeof(long long))
        self._rows = <Py_ssize_t *>realloc(self._rows, 2 * cap * sizeof(Py_ssize_t))
        self._found_rank = <Py_ssize_t *>realloc(self._found_rank, cap * sizeof(Py_ssize_t))
        self._found_row = <Py_ssize_t *>realloc(self._found_row, cap * sizeof(Py_ssize_t))
        self._found_pos = <Py_ssize_t *>realloc(self._found_pos, cap * sizeof(Py_ssize_t))
        if not (self._sids and self._rows and self._found_rank and self._found_row
                and self._found_pos):
            raise MemoryError()
        self._cap = cap
        return 0

    cdef int _reserve_stamp(self, long long sid) except -1:
        """Room in the seen-stem stamps for stem id ``sid``."""
        if sid < self._stamp_cap:
            return 0
        cap = max(sid + 1, 2 * self._stamp_cap, 4096)
        self._stamp = <unsigned int *>realloc(self._stamp, cap * sizeof(unsigned int))
        if not self._stamp:
            raise MemoryError()
        memset(self._stamp + self._stamp_cap, 0, (cap - self._stamp_cap) * sizeof(unsigned int))
        self._stamp_cap = cap
        return 0

    cdef void _next_generation(self):
        self._gen += 1
        if self._gen == 0:  # wrapped: old stamps could match again
            if self._stamp_cap:
                memset(self._stamp, 0, self._stamp_cap * sizeof(unsigned int))
            memset(self._pair_stamp, 0, self._npairs * sizeof(unsigned int))
            self._gen = 1

    cdef void _softmax(self, double *score, double *prob, int d):
        cdef int i
        cdef int start = self._start[d]
        cdef int end = self._end[d]
        cdef double t = self._temperature[d]
        cdef double top = score[start]
        cdef double total = 0.0
        for i in range(start + 1, end):
            if score[i] > top:
                top = score[i]
        for i in range(start, end):
            prob[i] = exp((score[i] - top) / t)
            total += prob[i]
        for i in range(start, end):
            prob[i] = prob[i] / total

    cdef int _argmax(self, double *values, int d):
        """The first label of dimension ``d`` with the highest value."""
        cdef int i
        cdef int best = self._start[d]
        for i in range(self._start[d] + 1, self._end[d]):
            if values[i] > values[best]:
                best = i
        return best

    cdef int _candidates(self, double *prob, int d, int *out):
        """The most probable labels of dimension ``d``, most probable (then lowest) first."""
        cdef int count = 0
        cdef int i, k, best
        cdef bint taken
        while count < self._top[d] and count < self._end[d] - self._start[d]:
            best = -1
            for i in range(self._start[d], self._end[d]):
                taken = False
                for k in range(count):
                    if out[k] == i:
                        taken = True
                        break
                if not taken and (best < 0 or prob[i] > prob[best]):
                    best = i
            out[count] = best
            count += 1
        return count

    cdef void _decode(self, double *score, double *prob, int *winners):
        cdef int i, k, a, b, c
        cdef int n0, n1, n2
        cdef int cand0[MAX_LABELS]
        cdef int cand1[MAX_LABELS]
        cdef int cand2[MAX_LABELS]
        cdef double lp, lc, lm, lpc, total
        cdef double best
        cdef int size = self._size
        cdef double lam = self._lam
        self._softmax(score, prob, 0)
        if self._coherence_weight != 0.0:
            for k in range(self._ncoherence):
                score[self._coherence_i[k]] += (
                    self._coherence_weight * self._coherence_v[k] * prob[self._coherence_p[k]]
                )
        self._softmax(score, prob, 1)
        self._softmax(score, prob, 2)
        if lam == 0.0:
            # as the Python paths: the highest score when nothing else mixes in, else probability
            for i in range(3):
                winners[i] = self._argmax(
                    prob if self._coherence_weight != 0.0 else score, i
                )
            return
        n0 = self._candidates(prob, 0, cand0)
        n1 = self._candidates(prob, 1, cand1)
        n2 = self._candidates(prob, 2, cand2)
        best = -INFINITY
        winners[0], winners[1], winners[2] = cand0[0], cand1[0], cand2[0]
        for a in range(n0):
            lp = log(prob[cand0[a]] + 1e-12)
            for b in range(n1):
                lc = log(prob[cand1[b]] + 1e-12)
                lpc = lp + lc + lam * self._joint[cand0[a] * size + cand1[b]]
                for c in range(n2):
                    lm = log(prob[cand2[c]] + 1e-12)
                    total = lpc + lm + lam * (
                        self._joint[cand0[a] * size + cand2[c]]
                        + self._joint[cand1[b] * size + cand2[c]]
                    )
                    if total > best:
                        best = total
                        winners[0], winners[1], winners[2] = cand0[a], cand1[b], cand2[c]

    cdef void _refresh_views(self):
        """Take the row table's current matrices (they are replaced when the table grows)."""
        mixed = self._table.mixed
        model = self._table.model
        if mixed is not self._mixed_obj:
            self._mixed = mixed
            self._mixed_obj = mixed
        if model is not self._model_obj:
            self._model = model
            self._model_obj = model

    def tag(self, str text, subject, Py_ssize_t base, list prior_lines):
        """Winners, confidence and reasons of a message (its subject first), as ``Tagger.tag``
        gives them.

        ``base`` is the row of the channel's bias and prior, ``prior_lines`` the channel's prior
        reason per label (or None). Returns ``(perspective, citizen_role, municipality_role,
        confidence, reasons, has_words)`` with the labels as flat indexes.
        """
        cdef list words = _tokenise(f"{subject}. {text}" if subject else text, self._normalise)
        cdef Py_ssize_t n = len(words)
        cdef Py_ssize_t i, k, j, nrows, nword_rows, nfound, rank
        cdef long long a, b, sid
        cdef long long nfixed = self._nfixed
        cdef PyObject *found
        cdef object info
        cdef tuple entry, phrase_entry
        cdef Py_ssize_t length, end, m, entry_id
        cdef bint same
        cdef set done = None
        cdef double score[MAX_LABELS]
        cdef double prob[MAX_LABELS]
        cdef int winners[3]
        cdef int size = self._size
        cdef double[:, ::1] mixed
        cdef unsigned int gen
        cdef list hits = []
        cdef list phrase_entries = []
        cdef object cache = self._cache
        self._reserve(n + 1)
        self._next_generation()
        gen = self._gen
        nrows = 0
        for i in range(n):
            word = words[i]
            found = PyDict_GetItem(cache, word)
            if found is NULL:
                info = cache[word]  # the cache's __missing__ analyses a new word
            else:
                info = <object>found
            sid = _field(info, 3)
            self._sids[i] = sid
            self._reserve_stamp(sid)
            if self._stamp[sid] != gen:  # the first word of each stem counts
                self._stamp[sid] = gen
                self._rows[nrows] = _field(info, 1)
                nrows += 1
                word_hits = _field(info, 2)
                if word_hits:
                    hits.extend(word_hits)
        nword_rows = nrows
        nfound = 0
        for i in range(n - 1):
            a = self._sids[i]
            b = self._sids[i + 1]
            if a >= nfixed or b >= nfixed:
                continue
            found = PyDict_GetItem(self._pairs, a * nfixed + b)
            if found is NULL:
                continue
            entry = <tuple>found  # (bigram row or -1, rank of the stem pair, phrases)
            for phrase_entry in entry[2]:  # (stem ids, entry id), as Matcher.phrase_hits
                phrase_ids = phrase_entry[0]
                entry_id = phrase_entry[1]
                length = len(phrase_ids)
                end = i + length
                same = end <= n
                m = 2
                while same and m < length:
                    same = self._sids[i + m] == phrase_ids[m]
                    m += 1
                if same and (done is None or entry_id not in done):
                    if done is None:
                        done = set()
                    done.add(entry_id)
                    phrase_entries.append(entry_id)
                    index, rule, weight, own = self._entries[entry_id]
                    hits.append(
                        (index, rule, " ".join(words[i:end]),
                         weight * self._phrase_multiplier * own)
                    )
            rank = entry[1]
            if entry[0] >= 0 and self._pair_stamp[rank] != gen:
                self._pair_stamp[rank] = gen
                # insertion by rank: rows of bigrams in the order of their stem pairs
                j = nfound
                while j > 0 and self._found_rank[j - 1] > rank:
                    self._found_rank[j] = self._found_rank[j - 1]
                    self._found_row[j] = self._found_row[j - 1]
                    self._found_pos[j] = self._found_pos[j - 1]
                    j -= 1
                self._found_rank[j] = rank
                self._found_row[j] = entry[0]
                self._found_pos[j] = i
                nfound += 1
        for k in range(nfound):
            self._rows[nrows] = self._found_row[k]
            nrows += 1
        self._refresh_views()
        mixed = self._mixed
        for j in range(size):
            score[j] = 0.0
        for k in range(nrows):
            for j in range(size):
                score[j] += mixed[self._rows[k], j]
        for j in range(size):
            score[j] += mixed[base, j]
        for entry_id in phrase_entries:
            i = self._phrase_rows[entry_id]
            for j in range(size):
                score[j] += mixed[i, j]
        self._decode(score, prob, winners)
        confidence = min(1.0, max(0.0, prob[winners[0]] * prob[winners[1]] * prob[winners[2]]))
        self._shares(winners, nrows)
        reasons = self._reasons(words, hits, winners, prob, prior_lines, nword_rows)
        return winners[0], winners[1], winners[2], confidence, reasons, nword_rows > 0

    cdef void _shares(self, int *winners, Py_ssize_t nrows):
        """Per winning label: the rows of its largest model contributions (largest first, the
        earlier row first among equals, none under the minimum shown) in ``_shown_*``; one pass
        over the rows per label, inserting into the three kept so far."""
        cdef double[:, ::1] model = self._model
        cdef Py_ssize_t i, j, k
        cdef double value
        cdef int t, w, count
        for t in range(3):
            w = winners[t]
            count = 0
            for i in range(nrows):
                value = model[self._rows[i], w]
                if not value >= self._min_shown:
                    continue
                k = count  # after every kept value at least as large: equals keep row order
                while k > 0 and self._shown_value[t][k - 1] < value:
                    k -= 1
                if k >= SHOWN:
                    continue
                j = count if count < SHOWN else SHOWN - 1
                while j > k:
                    self._shown_row[t][j] = self._shown_row[t][j - 1]
                    self._shown_value[t][j] = self._shown_value[t][j - 1]
                    j -= 1
                self._shown_row[t][k] = i
                self._shown_value[t][k] = value
                if count < SHOWN:
                    count += 1
            self._shown_count[t] = count

    cdef list _reasons(
        self,
        list words,
        list hits,
        int *winners,
        double *prob,
        list prior_lines,
        Py_ssize_t nword_rows,
    ):
        """As ``Tagger._reasons``: per dimension the label and its probability, its top rules
        with their words, the channel prior and the model's words; each line written into one
        byte buffer and turned into text once."""
        cdef Py_ssize_t nhits = len(hits)
        cdef Py_ssize_t h, g, k, m, ngroups = 0
        cdef Py_ssize_t norder
        cdef int t, index, slot
        cdef tuple hit
        cdef list out = []
        cdef object rule
        self._reserve_groups(nhits)
        for h in range(nhits):
            hit = <tuple>hits[h]
            index = hit[0]
            slot = 0 if index == winners[0] else 1 if index == winners[1] else 2 if index == winners[2] else -1
            if slot < 0:
                continue
            rule = hit[1]
            g = 0
            while g < ngroups and not (
                self._group_slot[g] == slot and _same_text(self._group_rule[g], rule)
            ):
                g += 1
            if g == ngroups:
                self._group_slot[g] = slot
                self._group_rule[g] = <PyObject *>rule
                self._group_total[g] = hit[3]
                self._group_count[g] = 0
                ngroups += 1
            else:
                self._group_total[g] += <double>hit[3]
            if self._group_count[g] < MATCHED_SHOWN:
                self._group_matched[g * MATCHED_SHOWN + self._group_count[g]] = <PyObject *>hit[2]
                self._group_count[g] += 1
        for t in range(3):
            index = winners[t]
            dimension = self._dimension_of[index]
            self._line_start()
            self._put_text(self._heads[index])
            self._put(b" (p=", 4)
            self._put_fixed(prob[index], 2, False)
            self._put(b")", 1)
            out.append(self._line())
            norder = 0
            for g in range(ngroups):  # this winner's groups, by total (stable), at most three
                if self._group_slot[g] != t:
                    continue
                k = norder
                while k > 0 and self._group_total[g] > self._group_total[self._order[k - 1]]:
                    self._order[k] = self._order[k - 1]
                    k -= 1
                self._order[k] = g
                norder += 1
            for k in range(min(norder, RULES_SHOWN)):
                g = self._order[k]
                self._line_start()
                self._put_text(dimension)
                self._put(b" rule '", 7)
                self._put_text(<object>self._group_rule[g])
                self._put(b"': '", 4)
                for m in range(self._group_count[g]):
                    if m:
                        self._put(b"', '", 4)
                    self._put_text(<object>self._group_matched[g * MATCHED_SHOWN + m])
                self._put(b"' ", 2)
                self._put_fixed(self._group_total[g], 1, True)
                out.append(self._line())
            prior = prior_lines[index]
            if prior is not None:
                out.append(prior)
            if self._shown_count[t]:
                self._line_start()
                self._put_text(dimension)
                self._put(b" model: ", 8)
                for k in range(self._shown_count[t]):
                    if k:
                        self._put(b", ", 2)
                    self._put(b"'", 1)
                    g = self._shown_row[t][k]
                    if g < nword_rows:
                        self._put_text(self._row_names[self._rows[g]])
                    else:  # a bigram: its first two words in the message, as written
                        m = self._found_pos[g - nword_rows]
                        self._put_text(words[m])
                        self._put(b" ", 1)
                        self._put_text(words[m + 1])
                    self._put(b"' ", 2)
                    self._put_fixed(self._shown_value[t][k], 1, True)
                out.append(self._line())
        if len(out) > self._max_reasons:
            del out[self._max_reasons :]
        return out

    cdef int _reserve_groups(self, Py_ssize_t n) except -1:
        """Room for ``n`` rule groups (one per hit at most)."""
        if n <= self._group_cap:
            return 0
        cap = max(n, 2 * self._group_cap, 32)
        self._group_slot = <int *>realloc(self._group_slot, cap * sizeof(int))
        self._group_rule = <PyObject **>realloc(self._group_rule, cap * sizeof(PyObject *))
        self._group_total = <double *>realloc(self._group_total, cap * sizeof(double))
        self._group_count = <Py_ssize_t *>realloc(self._group_count, cap * sizeof(Py_ssize_t))
        self._group_matched = <PyObject **>realloc(
            self._group_matched, cap * MATCHED_SHOWN * sizeof(PyObject *)
        )
        self._order = <Py_ssize_t *>realloc(self._order, cap * sizeof(Py_ssize_t))
        if not (self._group_slot and self._group_rule and self._group_total
                and self._group_count and self._group_matched and self._order):
            raise MemoryError()
        self._group_cap = cap
        return 0

    cdef inline void _line_start(self):
        self._text_len = 0

    cdef int _put(self, const char *data, Py_ssize_t size) except -1:
        cdef Py_ssize_t cap
        if self._text_len + size > self._text_cap:
            cap = max(self._text_len + size, 2 * self._text_cap, 512)
            self._text = <char *>realloc(self._text, cap)
            if not self._text:
                raise MemoryError()
            self._text_cap = cap
        memcpy(self._text + self._text_len, data, size)
        self._text_len += size
        return 0

    cdef int _put_text(self, object text) except -1:
        cdef Py_ssize_t size
        cdef const char *data = PyUnicode_AsUTF8AndSize(text, &size)
        return self._put(data, size)

    cdef int _put_fixed(self, double value, int places, bint sign) except -1:
        cdef char digits[64]
        cdef Py_ssize_t size = _format_fixed(value, places, sign, digits)
        if size < 0:  # near a rounding tie, huge or not finite: CPython's own conversion
            text = _fixed(value, places, sign)
            return self._put_text(text)
        return self._put(digits, size)

    cdef object _line(self):
        """The buffer as text, clipped to the longest reason with "…"."""
        line = PyUnicode_DecodeUTF8(self._text, self._text_len, NULL)
        if self._text_len > self._max_reason and len(line) > self._max_reason:
            return line[: self._max_reason - 1] + "…"
        return line


cdef inline bint _same_text(PyObject *known, object text):
    return known == <PyObject *>text or (<object>known) == text


cdef Py_ssize_t _format_fixed(double value, int places, bint sign, char *out):
    """``format(value, "+.1f")`` (``places`` decimals, "+" when ``sign``) written into ``out``;
    -1 when the value is not finite, too large, or so close to a rounding tie that the product
    ``value * 10**places`` could round the wrong way (the caller then asks CPython)."""
    cdef double scale = 1.0
    cdef double scaled, whole, distance
    cdef unsigned long long n, unit, whole_part, fraction
    cdef int i
    cdef Py_ssize_t length = 0
    cdef char reversed_digits[32]
    cdef int count = 0
    if not isfinite(value) or places < 0 or places > 6 or fabs(value) >= 1e12:
        return -1
    for i in range(places):
        scale *= 10.0
    scaled = fabs(value) * scale
    whole = floor(scaled)
    distance = fabs(scaled - whole - 0.5)
    if distance < 1e-6 * (scaled + 1.0):
        return -1
    n = <unsigned long long>(whole + (1.0 if scaled - whole > 0.5 else 0.0))
    if copysign(1.0, value) < 0:
        out[length] = 45  # "-"
        length += 1
    elif sign:
        out[length] = 43  # "+"
        length += 1
    unit = 1
    for i in range(places):
        unit *= 10
    # integer part, then the decimals
    whole_part = n // unit
    while True:
        reversed_digits[count] = 48 + <char>(whole_part % 10)
        count += 1
        whole_part //= 10
        if whole_part == 0:
            break
    while count:
        count -= 1
        out[length] = reversed_digits[count]
        length += 1
    if places:
        out[length] = 46  # "."
        length += 1
        fraction = n % unit
        for i in range(places - 1, -1, -1):
            out[length + i] = 48 + <char>(fraction % 10)
            fraction //= 10
        length += places
    return length


def format_fixed(double value, int places, bint sign):
    """``_format_fixed`` for tests: the text, or None where it defers to CPython."""
    cdef char digits[64]
    cdef Py_ssize_t size = _format_fixed(value, places, sign, digits)
    return None if size < 0 else digits[:size].decode("ascii")


cdef inline bint _word_char(Py_UCS4 ch):
    return (ch >= 97 and ch <= 122) or (ch >= 48 and ch <= 57)  # [a-z0-9]


cdef inline bint _upper(Py_UCS4 ch):
    return 65 <= ch <= 90


cpdef list scan_words(str lowered):
    """``re.findall(r"\\[[a-z]+\\]|[a-z0-9]+", lowered)`` in one pass over the characters."""
    cdef Py_ssize_t n = len(lowered)
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t j
    cdef int kind = PyUnicode_KIND(lowered)
    cdef void *data = PyUnicode_DATA(lowered)
    cdef Py_UCS4 ch
    cdef list words = []
    while i < n:
        ch = PyUnicode_READ(kind, data, i)
        if ch == 91:  # "[": a placeholder "[a-z]+]" is one word
            j = i + 1
            while j < n and 97 <= PyUnicode_READ(kind, data, j) <= 122:
                j += 1
            if j > i + 1 and j < n and PyUnicode_READ(kind, data, j) == 93:
                words.append(PyUnicode_Substring(lowered, i, j + 1))
                i = j + 1
            else:
                i += 1
        elif _word_char(ch):
            j = i + 1
            while j < n and _word_char(PyUnicode_READ(kind, data, j)):
                j += 1
            words.append(PyUnicode_Substring(lowered, i, j))
            i = j
        else:
            i += 1
    return words


cdef list _scan_plain_ascii(str text):
    """The words ``normalise`` + ``scan_words`` give for ASCII text without URLs, mentions or
    hashtags, read straight from ``text``: letters lower-cased on the way, a placeholder
    ("[E-MAIL]": "[", an upper-case letter, upper-case letters or "-", "]") as ``normalise``
    writes it ("[email]"), any other "[letters]" lower-cased as one word."""
    cdef Py_ssize_t n = len(text)
    cdef const unsigned char *s = <const unsigned char *>PyUnicode_DATA(text)
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t j, k, size
    cdef bint placeholder
    cdef unsigned char ch
    cdef char *word = <char *>malloc(n + 2)
    cdef list words = []
    if word is NULL:
        raise MemoryError()
    try:
        while i < n:
            ch = s[i]
            if ch == 91:  # "["
                j = i + 1
                placeholder = j < n and _upper(s[j])
                while j < n and (_upper(s[j]) or 97 <= s[j] <= 122 or s[j] == 45):
                    if not _upper(s[j]) and s[j] != 45:
                        placeholder = False
                    j += 1
                if j < n and s[j] == 93 and j > i + 1:
                    size = 0
                    word[size] = 91
                    size += 1
                    for k in range(i + 1, j):
                        if s[k] == 45:
                            if not placeholder:
                                break  # "[ab-c]" is no word: "[" is skipped, "ab" and "c" follow
                            continue
                        word[size] = s[k] | 0x20
                        size += 1
                    else:
                        word[size] = 93
                        size += 1
                        words.append(PyUnicode_DecodeASCII(word, size, NULL))
                        i = j + 1
                        continue
                i += 1
            elif _upper(ch) or 97 <= ch <= 122 or 48 <= ch <= 57:
                size = 0
                while i < n and (_upper(s[i]) or 97 <= s[i] <= 122 or 48 <= s[i] <= 57):
                    word[size] = s[i] | 0x20 if _upper(s[i]) else s[i]
                    size += 1
                    i += 1
                words.append(PyUnicode_DecodeASCII(word, size, NULL))
            else:
                i += 1
    finally:
        free(word)
    return words


cdef list _tokenise(str text, object normalise):
    if (
        PyUnicode_IS_ASCII(text)
        and "@" not in text
        and "#" not in text
        and "http" not in text
        and "www." not in text
    ):
        return _scan_plain_ascii(text)
    return scan_words(normalise(text))


def tokenise(str text, normalise):
    """Words of a message as ``pipeline.tagging.text.tokenise`` gives them.

    Plain ASCII text without URLs, mentions or hashtags is read directly (``normalise`` would
    only lower-case it and rewrite placeholders); any other text goes through ``normalise``.
    """
    return _tokenise(text, normalise)
