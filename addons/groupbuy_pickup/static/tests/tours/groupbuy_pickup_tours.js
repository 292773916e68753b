import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A customer on a phone picks a pickup point when joining.
tours.add("groupbuy_pickup_choose_point", {
    steps: () => [
        {
            content: "Choose 1 of the first product",
            trigger: ".o_groupbuy_join_form .o_groupbuy_qty:first",
            run: "edit 1",
        },
        {
            content: "Pick the convenience store as pickup point",
            trigger: ".o_groupbuy_pickup_select",
            run: "selectByLabel 阳光花园便利店 · 张江路120号",
        },
        {
            content: "Join",
            trigger: ".o_groupbuy_join_button",
            run: "click",
        },
        {
            content: "The entry shows the chosen point",
            trigger: ".o_groupbuy_entry_point:contains(阳光花园便利店)",
            timeout: 30000,
        },
    ],
});

// A leader on a phone types a customer's code, sees the items and confirms the pickup.
tours.add("groupbuy_pickup_verify_code", {
    steps: () => [
        {
            content: "Type the customer's code",
            trigger: ".o_groupbuy_pickup_code_input",
            run: `edit ${document.location.hash.slice(1) || ""}`,
        },
        {
            trigger: ".o_groupbuy_pickup_check",
            run: "click",
        },
        {
            content: "The customer's items are shown",
            trigger: ".o_groupbuy_pickup_found:contains(阳山水蜜桃)",
            timeout: 30000,
        },
        {
            trigger: ".o_groupbuy_pickup_confirm",
            run: "click",
        },
        {
            content: "Handed over",
            trigger: ".o_groupbuy_message",
            timeout: 30000,
        },
    ],
});

// A 接龙 entry that arrives by live polling shows its pickup point badge, as the
// server-rendered entries do: the page is open, somebody joins (here: the same
// customer, through the join form's POST in the background), the poll appends it.
tours.add("groupbuy_pickup_polled_entry_badge", {
    steps: () => [
        {
            content: "The page is open, nobody has joined yet",
            trigger: ".o_groupbuy_chain_empty",
        },
        {
            content: "Somebody joins while the page is open (pickup: the convenience store)",
            trigger: ".o_groupbuy_join_form",
            run() {
                const form = document.querySelector(".o_groupbuy_join_form");
                const data = new FormData(form);
                const qty = form.querySelector(".o_groupbuy_qty");
                data.set(qty.name, "1");
                const select = form.querySelector(".o_groupbuy_pickup_select");
                const store = [...select.options].find((option) => option.text.includes("阳光花园便利店"));
                data.set("pickup_point_id", store.value);
                // not awaited: the page stays as it is, its next poll brings the entry
                fetch(form.action, { method: "POST", body: data, redirect: "manual" });
            },
        },
        {
            content: "The polled entry carries the point's badge",
            trigger: ".o_groupbuy_chain_new .o_groupbuy_chain_badge:contains(阳光花园便利店)",
            timeout: 60000,
        },
    ],
});
