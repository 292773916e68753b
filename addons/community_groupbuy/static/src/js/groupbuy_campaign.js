import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";

const POLL_MS = 5000;

async function loadText(button) {
    // a long text (the whole 接龙) is fetched when copied: the pages stay small
    if (!button.dataset.url) {
        return button.dataset.text || "";
    }
    const response = await fetch(button.dataset.url, { credentials: "same-origin" });
    return response.ok ? response.text() : "";
}

async function copyText(button) {
    try {
        if (button.dataset.url && window.ClipboardItem && navigator.clipboard?.write) {
            // Safari: the clipboard write must start in the click, the text may follow
            const blob = loadText(button).then((text) => new Blob([text], { type: "text/plain" }));
            await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
        } else {
            await navigator.clipboard.writeText(await loadText(button));
        }
    } catch {
        // Older in-app browsers: select a hidden textarea and copy it.
        const text = await loadText(button);
        const area = document.createElement("textarea");
        area.value = text;
        area.setAttribute("readonly", "");
        area.style.position = "fixed";
        area.style.opacity = "0";
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
    }
    const label = button.textContent;
    button.textContent = _t("Copied");
    button.classList.add("o_groupbuy_copied");
    setTimeout(() => {
        button.textContent = label;
    }, 2000);
}

function formatRemaining(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const pad = (n) => String(n).padStart(2, "0");
    const clock = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
    return days ? _t("%(days)sd %(clock)s", { days, clock }) : clock;
}

publicWidget.registry.GroupbuyCampaign = publicWidget.Widget.extend({
    selector: ".o_groupbuy_campaign",
    events: {
        "click .o_groupbuy_copy_chain": "_onCopy",
    },

    start() {
        this.code = this.el.dataset.code;
        this.end = this.el.dataset.end ? new Date(this.el.dataset.end) : null;
        this.startAt = this.el.dataset.start ? new Date(this.el.dataset.start) : null;
        this.countdownEl = this.el.querySelector(".o_groupbuy_countdown");
        this.listEl = this.el.querySelector(".o_groupbuy_chain_list");
        this.last = parseInt(this.listEl?.dataset.last || "0", 10);
        // a page of the list: new entries are appended to its last page only
        this.offset = parseInt(this.listEl?.dataset.offset || "0", 10);
        this.append = this.listEl?.dataset.append !== "0";
        this.timers = [];
        if (this.countdownEl && this.end) {
            this._tick();
            this.timers.push(setInterval(() => this._tick(), 1000));
        }
        if (this.el.dataset.status === "open") {
            this.timers.push(setInterval(() => this._poll(), POLL_MS));
        }
        return this._super(...arguments);
    },

    destroy() {
        this.timers.forEach((timer) => clearInterval(timer));
        this._super(...arguments);
    },

    _tick() {
        const now = new Date();
        if (this.startAt && now < this.startAt) {
            this.countdownEl.textContent = _t("Starts in %(time)s", { time: formatRemaining(this.startAt - now) });
        } else if (now < this.end) {
            this.countdownEl.textContent = _t("Ends in %(time)s", { time: formatRemaining(this.end - now) });
        } else {
            this.countdownEl.textContent = _t("Ended");
        }
    },

    async _poll() {
        if (document.hidden) {
            return;
        }
        let data;
        try {
            data = await rpc(`/groupbuy/${this.code}/chain`, { after: this.append ? this.last : -1 });
        } catch {
            return; // offline for a moment: the next poll tries again
        }
        const progressText = this.el.querySelector(".o_groupbuy_progress_text");
        if (progressText) {
            progressText.textContent = data.progress_text;
        }
        const bar = this.el.querySelector(".o_groupbuy_progress_bar");
        if (bar) {
            bar.style.width = `${data.progress}%`;
        }
        const count = this.el.querySelector(".o_groupbuy_count");
        if (count && data.chain_count !== undefined) {
            count.textContent = data.chain_count;
        }
        if (!data.entries.length || !this.listEl) {
            return;
        }
        this.listEl.querySelector(".o_groupbuy_chain_empty")?.remove();
        for (const entry of data.entries) {
            const li = document.createElement("li");
            li.className = "list-group-item small o_groupbuy_chain_entry o_groupbuy_chain_new";
            const number = this.offset + this.listEl.querySelectorAll(".o_groupbuy_chain_entry").length + 1;
            const items = entry.items.map((item) => `${item.product} ×${item.qty}`).join(" ");
            const head = document.createElement("span");
            head.className = "fw-bold me-1";
            head.textContent = `${number}.`;
            li.append(head, `${entry.name} ${entry.phone} ${items}`);
            // badges an addon adds to the entry (e.g. the pickup point), as the server renders them
            for (const text of entry.badges || []) {
                const badge = document.createElement("span");
                badge.className = "badge text-bg-light border ms-1 o_groupbuy_chain_badge";
                badge.textContent = text;
                li.append(badge);
            }
            if (entry.answers.length) {
                const answers = document.createElement("div");
                answers.className = "text-muted";
                answers.textContent = entry.answers.map(([q, a]) => `${q}: ${a}`).join("; ");
                li.append(answers);
            }
            this.listEl.append(li);
            this.last = Math.max(this.last, entry.sequence);
        }
    },

    _onCopy(ev) {
        copyText(ev.currentTarget);
    },
});

publicWidget.registry.GroupbuyCopy = publicWidget.Widget.extend({
    selector: ".o_groupbuy_leader_campaign",
    events: {
        "click .o_groupbuy_copy": "_onCopy",
    },
    _onCopy(ev) {
        copyText(ev.currentTarget);
    },
});

const QUEUE_POLL_MS = 2000;

publicWidget.registry.GroupbuyQueue = publicWidget.Widget.extend({
    // a queued join's waiting page: it asks for the request's state (a few bytes, not
    // the page) until the order is made, then goes on to it
    selector: ".o_groupbuy_queue[data-state-url]",

    start() {
        this._schedule();
        return this._super(...arguments);
    },

    destroy() {
        clearTimeout(this._timer);
        this._super(...arguments);
    },

    _schedule(delay = QUEUE_POLL_MS) {
        this._timer = setTimeout(() => this._poll(), delay);
    },

    async _poll() {
        try {
            const response = await fetch(this.el.dataset.stateUrl, {
                credentials: "same-origin",
                headers: { Accept: "application/json" },
            });
            const state = response.ok ? await response.json() : null;
            if (state && state.url) {
                window.location.assign(state.url);
                return;
            }
            // the server says when to ask again: later the further back in the queue
            this._schedule(state?.retry_ms || QUEUE_POLL_MS);
            return;
        } catch {
            // the network dropped for a moment: ask again
        }
        this._schedule();
    },
});
