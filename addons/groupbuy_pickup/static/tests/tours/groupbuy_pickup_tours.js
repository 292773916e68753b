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
