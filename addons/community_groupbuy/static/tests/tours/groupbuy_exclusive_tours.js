import { registry } from "@web/core/registry";

// A tour that ends on a page it has just loaded lets the page's own start-up requests
// (Odoo's translations...) end first: the test browser is closed right after the last
// step, and a request it cuts off is logged as an error ("Failed to fetch").
const settle = {
    content: "Let the page's start-up requests end",
    trigger: "body",
    async run() {
        await new Promise((resolve) => setTimeout(resolve, 1500));
    },
};

// A member of an exclusive campaign's community, not logged in, on their phone and in
// Chinese: proves their number with the code texted to it, then joins as themselves.
registry.category("web_tour.tours").add("groupbuy_exclusive_member_phone", {
    steps: () => [
        {
            content: "The page says the group is exclusive, and offers nothing to join yet",
            trigger: ".o_groupbuy_exclusive:contains(本团为专享团):not(:has(.o_groupbuy_join_button))",
        },
        {
            content: "Type the member's phone number",
            trigger: "#gb_verify_phone",
            run: "edit 13900000002",
        },
        {
            content: "Ask for a code",
            trigger: ".o_groupbuy_verify_phone .o_groupbuy_send_code:contains(发送验证码)",
            run: "click",
        },
        {
            content: "The code is on its way (the number masked)",
            trigger: ".o_groupbuy_code_sent:contains(139****0002)",
        },
        {
            content: "Type the code from the text message",
            trigger: "#gb_verify_code",
            run: "edit 135790",
        },
        {
            content: "Verify",
            trigger: ".o_groupbuy_verify_phone .o_groupbuy_verify_button",
            run: "click",
        },
        {
            content: "The proven member gets the join form, their number verified",
            trigger: ".o_groupbuy_phone_proven:contains(手机号已验证)",
        },
        {
            trigger: ".o_groupbuy_contact #gb_name[value='顾客2']",
        },
        {
            content: "Choose 2",
            trigger: ".o_groupbuy_join_form .o_groupbuy_qty:first",
            run: "edit 2",
        },
        {
            content: "Join",
            trigger: ".o_groupbuy_join_button:contains(立即参团)",
            run: "click",
        },
        {
            content: "Their entry page",
            trigger: ".o_groupbuy_entry",
            timeout: 30000, // the join's page on a busy test machine
        },
        settle,
    ],
});
