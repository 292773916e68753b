import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A leader opens their commission page on a phone and asks to withdraw to their bank.
tours.add("groupbuy_commission_leader_withdraw", {
    steps: () => [
        {
            content: "The available commission is shown",
            trigger: ".o_groupbuy_available:contains(60.00)",
        },
        {
            content: "Too much is refused with a sentence",
            trigger: ".o_groupbuy_withdraw_form input[name=amount]",
            run: "edit 45",
        },
        {
            content: "To my bank account",
            trigger: "#groupbuy_method_bank",
            run: "click",
        },
        {
            content: "Ask to withdraw",
            trigger: ".o_groupbuy_withdraw_submit",
            run: "click",
        },
        {
            content: "The request is received",
            trigger: ".o_groupbuy_withdrawal_ok",
        },
        {
            content: "It is in the history, with its payout date",
            trigger: ".o_groupbuy_withdrawals li:contains(45.00)",
        },
        {
            content: "What is left is available",
            trigger: ".o_groupbuy_available:contains(15.00)",
        },
    ],
});
