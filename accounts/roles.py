"""The roles of ARCHITECTURE.md as Django groups, and the permissions each holds.

Group names are the Chinese role names users see. ``sync_roles`` is idempotent; it runs from a data
migration and again after every ``migrate`` so that permissions added by later apps are granted."""


class Role:
    INTAKE = "受理员"
    MEDIATOR = "调解员"
    INSPECTOR = "检查员"
    DISTRICT_OFFICIAL = "区级负责人"
    BUREAU_OFFICIAL = "市局官员"
    LEGAL_AID = "法律援助伙伴"
    OPERATOR = "运营机构"
    ADMIN = "系统管理员"

    ALL = (INTAKE, MEDIATOR, INSPECTOR, DISTRICT_OFFICIAL, BUREAU_OFFICIAL, LEGAL_AID, OPERATOR, ADMIN)
    #: Roles whose members work inside one district and see only its records.
    DISTRICT_STAFF = (INTAKE, MEDIATOR, INSPECTOR, DISTRICT_OFFICIAL)
    #: Roles that see every district.
    CITYWIDE = (BUREAU_OFFICIAL, ADMIN)
    #: Staff of the labour bureaus (not partners or operators).
    STAFF = DISTRICT_STAFF + CITYWIDE


# "app_label.codename"; a codename missing from the database is skipped (its app may not be migrated
# yet) and granted on the next sync.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.INTAKE: [
        "markets.view_market", "markets.view_operator",
        "casework.view_complaint", "casework.add_complaint", "casework.accept_complaint",
        "casework.request_info_complaint", "casework.propose_rejection_complaint", "casework.merge_complaint",
        # Counter and oral mediation applications are recorded at intake too (劳动争议调解仲裁法 第十二条).
        "casework.view_mediationcase", "casework.add_mediationcase",
        "casework.view_wageclaim", "casework.add_wageclaim", "casework.verify_wageclaim",
        "casework.view_referral", "casework.draft_referral",
    ],
    Role.MEDIATOR: [
        "markets.view_market", "markets.view_operator",
        "casework.view_complaint", "casework.investigate_complaint",
        "casework.view_mediationcase", "casework.add_mediationcase", "casework.accept_mediation",
        "casework.mediate_mediation",
        "casework.view_wageclaim", "casework.add_wageclaim", "casework.verify_wageclaim",
        "casework.coordinate_wageclaim",
        "casework.view_referral", "casework.draft_referral",
    ],
    Role.INSPECTOR: [
        "markets.view_market", "markets.view_operator",
        "inspections.view_inspection", "inspections.view_rectificationnotice", "inspections.plan_inspection",
        "inspections.conduct_inspection", "inspections.issue_notice_inspection", "inspections.reinspect_inspection",
    ],
    Role.DISTRICT_OFFICIAL: [
        "markets.view_market", "markets.view_operator", "markets.change_market",
        "casework.view_complaint", "casework.add_complaint", "casework.accept_complaint",
        "casework.request_info_complaint", "casework.propose_rejection_complaint", "casework.merge_complaint",
        "casework.approve_rejection_complaint", "casework.assign_complaint", "casework.investigate_complaint",
        "casework.approve_extension_complaint", "casework.reopen_complaint",
        "casework.view_mediationcase", "casework.add_mediationcase", "casework.accept_mediation",
        "casework.decline_mediation", "casework.assign_mediation", "casework.mediate_mediation",
        "casework.view_wageclaim", "casework.add_wageclaim", "casework.verify_wageclaim",
        "casework.coordinate_wageclaim", "casework.refer_wageclaim", "casework.close_wageclaim",
        "casework.view_referral", "casework.draft_referral", "casework.approve_referral",
        "inspections.view_inspection", "inspections.view_rectificationnotice", "inspections.plan_inspection",
        "inspections.decide_escalation_inspection",
        "procurement.view_serviceproject", "procurement.add_serviceproject", "procurement.change_serviceproject",
        "procurement.view_selectionround", "procurement.add_selectionround", "procurement.run_selectionround",
        "procurement.view_servicecontract", "procurement.add_servicecontract",
        "procurement.manage_servicecontract", "procurement.terminate_servicecontract",
        "procurement.view_paymentmilestone", "procurement.add_paymentmilestone",
        "procurement.approve_paymentmilestone", "procurement.pay_paymentmilestone",
        "evaluations.view_evaluation", "evaluations.add_evaluation", "evaluations.score_evaluation",
        "evaluations.review_evaluation",
        "core.reveal_pii", "core.export_data", "core.view_auditevent",
    ],
    Role.BUREAU_OFFICIAL: [
        "markets.view_market", "markets.view_operator",
        "casework.view_complaint", "casework.view_mediationcase", "casework.view_wageclaim",
        "casework.view_referral",
        "inspections.view_inspection", "inspections.view_rectificationnotice",
        # The bureau approves exits (clause (二十二)), which terminate the contract.
        "procurement.view_serviceproject", "procurement.view_selectionround", "procurement.view_servicecontract",
        "procurement.view_paymentmilestone", "procurement.terminate_servicecontract",
        # Approval of evaluations (and so of exits) is the bureau's alone.
        "evaluations.view_evaluation", "evaluations.approve_evaluation",
        "core.export_data", "core.view_auditevent",
    ],
    # Partners (legal aid, labour inspection, police users) act on referrals sent to their organisation only;
    # the check is the organisation (casework.models.referrals), not a model permission.
    Role.LEGAL_AID: [],
    # Operator staff see their own operator record and markets only (Operator/Market.visible_to).
    Role.OPERATOR: ["markets.view_market", "markets.view_operator", "inspections.view_rectificationnotice",
                    "inspections.respond_rectificationnotice",
                    # their own contracts and milestones, read-only (ServiceContract.visible_to)
                    "procurement.view_servicecontract", "procurement.view_paymentmilestone",
                    "evaluations.view_evaluation", "evaluations.self_assess_evaluation"],
    Role.ADMIN: [
        "markets.view_market", "markets.add_market", "markets.change_market",
        "markets.view_operator", "markets.add_operator", "markets.change_operator",
        "core.view_calendarday", "core.add_calendarday", "core.change_calendarday", "core.delete_calendarday",
        "core.view_calendaryear", "core.add_calendaryear", "core.change_calendaryear",
        "core.view_auditevent", "core.view_deadline",
        "inspections.view_checklisttemplate", "inspections.add_checklisttemplate",
        "inspections.change_checklisttemplate", "inspections.view_checklistversion",
        "inspections.add_checklistversion", "inspections.change_checklistversion",
        "inspections.view_checklistitem", "inspections.add_checklistitem", "inspections.change_checklistitem",
        "inspections.delete_checklistitem", "inspections.view_inspectionschedule",
        "inspections.add_inspectionschedule", "inspections.change_inspectionschedule",
        "evaluations.view_rubric", "evaluations.add_rubric", "evaluations.change_rubric",
        "evaluations.view_indicator", "evaluations.add_indicator", "evaluations.change_indicator",
        "evaluations.delete_indicator",
        "accounts.view_district", "accounts.view_organization", "accounts.add_organization",
        "accounts.change_organization", "accounts.view_user", "accounts.add_user", "accounts.change_user",
    ],
}


def sync_roles(group_model=None, permission_model=None) -> None:
    """Create every role group and grant exactly the permissions listed for it (that exist)."""
    if group_model is None:
        from django.contrib.auth.models import Group as group_model, Permission as permission_model
    for role in Role.ALL:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS.get(role, [])
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
