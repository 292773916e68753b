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

// Platform staff settle the month's commissions and bill them.
tours.add("groupbuy_commission_staff_settle", {
    url: "/odoo/action-groupbuy_commission.action_groupbuy_commission_settlement",
    steps: () => [
        {
            content: "Settle Commissions",
            trigger: ".o_list_view .o_groupbuy_settle_button",
            run: "click",
        },
        {
            content: "Settle every leader up to today, billing at once",
            trigger: ".modal button[name=action_settle]",
            run: "click",
        },
        {
            content: "Open the first new settlement",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "It has its vendor bill",
            trigger: ".o_form_view button[name=action_view_bill]",
            run: "click",
        },
        {
            content: "The bill is posted",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current[data-value=posted]",
        },
    ],
});

// Platform staff approve a leader's withdrawal, then pay it.
tours.add("groupbuy_commission_staff_pay", {
    url: "/odoo/action-groupbuy_commission.action_groupbuy_withdrawal",
    steps: () => [
        {
            content: "Open the request to approve",
            trigger: ".o_list_view .o_data_row:first .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "Pay it",
            trigger: ".o_form_view button[name=action_pay]",
            run: "click",
        },
        {
            content: "It is paid, with its payment",
            trigger: ".o_form_view .o_field_widget[name=payment_id] a, .o_form_view .o_field_widget[name=payment_id] span",
        },
    ],
});
