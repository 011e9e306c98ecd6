"""Name pools for the fictional demo data: common given and family names in
both scripts, with the Latin variant spellings that real lists use.  The
people made from them are invented and marked fictional."""

from __future__ import annotations

__all__ = ["AFFILIATIONS", "FAMILY", "FEMALE", "LATIN_VARIANTS", "MALE", "SH_MONTHS"]

MALE = [
    ("Ali", "علی"), ("Mohammad", "محمد"), ("Hossein", "حسین"), ("Reza", "رضا"),
    ("Mehdi", "مهدی"), ("Hassan", "حسن"), ("Ahmad", "احمد"), ("Javad", "جواد"),
    ("Majid", "مجید"), ("Masoud", "مسعود"), ("Behrouz", "بهروز"), ("Kazem", "کاظم"),
    ("Ebrahim", "ابراهیم"), ("Esmail", "اسماعیل"), ("Jafar", "جعفر"), ("Ghasem", "قاسم"),
    ("Khosrow", "خسرو"), ("Davood", "داوود"), ("Farhad", "فرهاد"), ("Saeed", "سعید"),
]
FEMALE = [
    ("Fatemeh", "فاطمه"), ("Zahra", "زهرا"), ("Maryam", "مریم"), ("Mahin", "مهین"),
    ("Shahla", "شهلا"), ("Parvin", "پروین"), ("Roya", "رویا"), ("Mitra", "میترا"),
]
FAMILY = [
    ("Karimi", "کریمی"), ("Hosseini", "حسینی"), ("Rezaei", "رضایی"), ("Mohammadi", "محمدی"),
    ("Ahmadi", "احمدی"), ("Rahimi", "رحیمی"), ("Jafari", "جعفری"), ("Ghasemi", "قاسمی"),
    ("Sadeghi", "صادقی"), ("Moradi", "مرادی"), ("Tabatabaei", "طباطبایی"), ("Nazari", "نظری"),
    ("Kazemi", "کاظمی"), ("Soltani", "سلطانی"), ("Bahrami", "بهرامی"), ("Ebrahimi", "ابراهیمی"),
    ("Heidari", "حیدری"), ("Akbari", "اکبری"),
]
# Spellings seen for the same name in different lists (DOMAIN.md).
LATIN_VARIANTS = {
    "Mohammad": ["Muhammad", "Mohamad"], "Hossein": ["Hussein", "Hosein"], "Mehdi": ["Mahdi"],
    "Ebrahim": ["Ibrahim"], "Esmail": ["Ismail"], "Jafar": ["Ja'far"], "Masoud": ["Massoud"],
    "Ghasem": ["Qasem"], "Khosrow": ["Khosro"], "Davood": ["Davoud", "Dawood"],
    "Fatemeh": ["Fatima"], "Rezaei": ["Rezaee", "Rezai"], "Hosseini": ["Husseini"],
    "Tabatabaei": ["Tabatabai"], "Ghasemi": ["Qasemi"], "Kazem": ["Kazim"],
}
AFFILIATIONS = [
    ("PMOI (Mojahedin)", "مجاهدین"), ("Fadaiyan", "فدائیان"), ("Tudeh", "توده"),
    ("Peykar", "پیکار"), ("Rah-e Kargar", "راه کارگر"), ("Komala", "کومله"),
]
SH_MONTHS = ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr",
             "Aban", "Azar", "Dey", "Bahman", "Esfand"]
